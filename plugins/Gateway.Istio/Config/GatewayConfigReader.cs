namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>
/// <see cref="GatewayConfigBuilder.Build"/>: the selected Gateways' servers grouped by port, and on each
/// port the routes of the VirtualServices bound to a Gateway with a server there.
/// </summary>
internal static class GatewayConfigReader
{
    /// <summary>See <see cref="GatewayConfigBuilder.Build"/>.</summary>
    public static GatewayConfig Build(CatalogSnapshot snapshot, IReadOnlyDictionary<string, string> gatewayLabels, string clusterDomain)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(gatewayLabels);
        var warnings = new List<string>();
        var ports = new SortedDictionary<int, PortDraft>();
        foreach (var resource in Objects(snapshot, IstioResources.GatewayKind))
        {
            var gateway = Read(resource, warnings, (root, problems) => GatewayReader.Read(resource, root, gatewayLabels, snapshot.Resources, problems));
            if (gateway is null) continue;
            foreach (var server in gateway.Servers)
            {
                if (!ports.TryGetValue(server.Port, out var draft)) ports[server.Port] = draft = new PortDraft(server.Protocol);
                if (draft.Protocol != server.Protocol)
                {
                    warnings.Add($"Gateway {gateway.Id}: server {server.Name}: port {server.Port} is already served as {draft.Protocol} " +
                                 $"(by {string.Join(", ", draft.Gateways)}), not {server.Protocol}; server skipped");
                    continue;
                }

                draft.Servers.Add(server);
                draft.Gateways.Add(gateway.Id);
            }
        }

        var virtualServices = new List<ParsedVirtualService>();
        if (ports.Count > 0)
        {
            // No domain configured: any domain after `svc` is taken, as the DestinationRule reader does.
            var reader = new VirtualServiceReader(snapshot.Services, string.IsNullOrWhiteSpace(clusterDomain) ? null : clusterDomain);
            foreach (var resource in Objects(snapshot, IstioResources.VirtualServiceKind))
            {
                if (Read(resource, warnings, (root, problems) => reader.Read(resource, root, problems)) is { } parsed) virtualServices.Add(parsed);
            }

            // Istio merges the VirtualServices of a host oldest first.
            virtualServices.Sort((a, b) => a.Created != b.Created ? a.Created.CompareTo(b.Created) : string.CompareOrdinal(a.Id, b.Id));
        }

        var listeners = new Dictionary<int, GatewayListener>();
        foreach (var (port, draft) in ports)
        {
            var http = new List<HttpRoute>();
            var streams = new List<StreamRoute>();
            foreach (var vs in virtualServices)
            {
                if (draft.Protocol is ServerProtocol.Http or ServerProtocol.Https)
                {
                    foreach (var bindable in vs.Http)
                    {
                        if (Bind(bindable, vs.Gateways, draft.Gateways) is { } route) http.Add(route);
                    }
                }
                else
                {
                    foreach (var bindable in draft.Protocol == ServerProtocol.Tls ? vs.Tls : vs.Tcp)
                    {
                        if (Applies(bindable.Gateways ?? vs.Gateways, draft.Gateways)) streams.Add(bindable.Route);
                    }
                }
            }

            listeners[port] = new GatewayListener(port, draft.Protocol, draft.Servers, http, streams);
        }

        return new GatewayConfig(snapshot.Version, listeners, warnings);
    }

    private static IEnumerable<MeshResource> Objects(CatalogSnapshot snapshot, string kind) =>
        snapshot.Resources.Values
            .Where(r => r.Key.Group == IstioResources.NetworkingGroup && r.Key.Kind == kind)
            .OrderBy(r => IstioResources.Id(r.Key), StringComparer.Ordinal);

    // Parses one object; a bad document or a bug in a reader costs that object, never the configuration.
    private static T? Read<T>(MeshResource resource, List<string> warnings, Func<JsonElement, ObjectProblems, T?> read)
        where T : class
    {
        var problems = new ObjectProblems($"{resource.Key.Kind} {IstioResources.Id(resource.Key)}", warnings);
        try
        {
            using var document = JsonDocument.Parse(resource.Json);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return read(document.RootElement, problems);
            problems.Warn("", "not a JSON object; skipped");
        }
        catch (JsonException e)
        {
            problems.Warn("", $"not valid JSON ({e.Message}); skipped");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            problems.Warn("", $"skipped after an unexpected {e.GetType().Name}: {e.Message} (a bug in gateway.istio: please report it)");
        }

        return null;
    }

    // The route with the matches that apply on this port's Gateways, or null when none does.
    private static HttpRoute? Bind(BindableHttpRoute bindable, IReadOnlySet<string> vsGateways, HashSet<string> portGateways)
    {
        var route = bindable.Route;
        if (route.Matches.Count == 0) return Applies(vsGateways, portGateways) ? route : null;
        var kept = new List<HttpMatch>();
        for (var i = 0; i < route.Matches.Count; i++)
        {
            if (Applies(bindable.MatchGateways[i] ?? vsGateways, portGateways)) kept.Add(route.Matches[i]);
        }

        return kept.Count == 0 ? null : kept.Count == route.Matches.Count ? route : route with { Matches = kept };
    }

    private static bool Applies(IReadOnlySet<string> named, HashSet<string> portGateways) => portGateways.Overlaps(named);

    private sealed class PortDraft(ServerProtocol protocol)
    {
        public ServerProtocol Protocol { get; } = protocol;

        public List<GatewayServer> Servers { get; } = [];

        public HashSet<string> Gateways { get; } = new(StringComparer.Ordinal);
    }
}
