namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>
/// <see cref="GatewayConfigBuilder.Build"/>: the selected Gateways' servers grouped by port, and on each
/// port the routes of the VirtualServices bound to a Gateway with a server there, narrowed to the hosts
/// those servers grant the VirtualService's namespace (Istio's <c>ns/host</c>).
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
            foreach (var parsed in gateway.Servers)
            {
                var server = parsed.Server;
                if (!ports.TryGetValue(server.Port, out var draft)) ports[server.Port] = draft = new PortDraft(server.Protocol);
                if (draft.Protocol != server.Protocol)
                {
                    warnings.Add($"Gateway {gateway.Id}: server {server.Name}: port {server.Port} is already served as {draft.Protocol} " +
                                 $"(by {string.Join(", ", draft.Gateways)}), not {server.Protocol}; server skipped");
                    continue;
                }

                draft.Servers.Add(parsed);
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
                        if (Bind(bindable, vs, draft) is { } route) http.Add(route);
                    }
                }
                else
                {
                    foreach (var bindable in draft.Protocol == ServerProtocol.Tls ? vs.Tls : vs.Tcp)
                    {
                        if (Bind(bindable, vs, draft) is { } route) streams.Add(route);
                    }
                }
            }

            listeners[port] = new GatewayListener(port, draft.Protocol, [.. draft.Servers.Select(s => s.Server)], http, streams);
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

    // The route with the matches that apply on this port's Gateways, on the hosts their servers grant
    // the VirtualService's namespace; null when none is left.
    private static HttpRoute? Bind(BindableHttpRoute bindable, ParsedVirtualService vs, PortDraft draft)
    {
        var route = bindable.Route;
        var kept = new List<HttpMatch>();
        var gateways = new HashSet<string>(StringComparer.Ordinal);
        if (route.Matches.Count == 0) gateways.UnionWith(vs.Gateways);
        for (var i = 0; i < route.Matches.Count; i++)
        {
            var named = bindable.MatchGateways[i] ?? vs.Gateways;
            if (!draft.Gateways.Overlaps(named)) continue;
            kept.Add(route.Matches[i]);
            gateways.UnionWith(named);
        }

        if (route.Matches.Count > 0 && kept.Count == 0) return null;
        var hosts = Narrow(route.Hosts, Granted(draft, gateways, vs.Namespace));
        if (hosts.Count == 0) return null;
        if (kept.Count == route.Matches.Count && hosts.SequenceEqual(route.Hosts, StringComparer.Ordinal)) return route;
        return route with { Matches = kept.Count == route.Matches.Count ? route.Matches : kept, Hosts = hosts };
    }

    // A TCP route needs a server that grants the namespace; a TLS route's SNI names are narrowed like HTTP hosts.
    private static StreamRoute? Bind(BindableStreamRoute bindable, ParsedVirtualService vs, PortDraft draft)
    {
        var route = bindable.Route;
        var granted = Granted(draft, bindable.Gateways ?? vs.Gateways, vs.Namespace);
        if (granted.Count == 0) return null;
        if (draft.Protocol != ServerProtocol.Tls) return route;
        var names = Narrow(route.SniHosts, granted);
        return names.Count == 0 ? null : names.SequenceEqual(route.SniHosts, StringComparer.Ordinal) ? route : route with { SniHosts = names };
    }

    // Hosts of this port's servers, of the named Gateways, that a VirtualService in `ns` may bind to.
    private static List<string> Granted(PortDraft draft, IReadOnlySet<string> gateways, string ns) =>
        [.. draft.Servers.Where(s => gateways.Contains(s.Server.Gateway)).SelectMany(s => s.Grants).Where(g => g.Admits(ns)).Select(g => g.Host)];

    private static List<string> Narrow(IReadOnlyList<string> hosts, List<string> granted)
    {
        var result = new List<string>();
        foreach (var host in hosts)
        {
            foreach (var grant in granted)
            {
                if (HostPattern.Intersect(host, grant) is { } both && !result.Contains(both, StringComparer.OrdinalIgnoreCase)) result.Add(both);
            }
        }

        return result;
    }

    private sealed class PortDraft(ServerProtocol protocol)
    {
        public ServerProtocol Protocol { get; } = protocol;

        public List<ParsedServer> Servers { get; } = [];

        public HashSet<string> Gateways { get; } = new(StringComparer.Ordinal);
    }
}
