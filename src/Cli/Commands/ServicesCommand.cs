using System.Text.Json;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh services</c>: the catalog as the running agent sees it, joined with what the proxy serves.</summary>
internal static class ServicesCommand
{
    public static CliCommand Command { get; } = new("services", "List services: ClusterIP, ports, endpoints, local ports", """
        Usage: pluginmesh services [--json] [--admin ADDR] [--config FILE]

        Lists the services in the running agent's catalog with their ClusterIPs, ports, ready and
        total endpoints and the nodes hosting them; when the proxy runs in listen mode, also the
        local port each service port is served on, and in either mode the node ports and external
        IPs served on this node ("80/tcp->30080 (node port)", "192.0.2.10:80/tcp (external IP)";
        "local" when externalTrafficPolicy is Local) and a health check node port with what it
        answers now ("32100 (health check: 200)"). --json
        prints the catalog and proxy sections of /status as they are.
        """, RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv, CliIo io)
    {
        var (args, status) = await AdminStatus.FetchAsync(argv, ["json"], io);
        if (status is null) return 1;
        using var doc = status;
        var root = doc.RootElement;
        var catalog = root.TryGetProperty("catalog", out var c) ? c : default;
        var proxy = root.TryGetProperty("proxy", out var p) ? p : default;
        if (args.Flag("json"))
        {
            await io.Out.WriteLineAsync(JsonSerializer.Serialize(new { catalog, proxy }, Host.Admin.AdminEndpoints.Json));
            return 0;
        }
        if (catalog.ValueKind != JsonValueKind.Object)
        {
            await io.Error.WriteLineAsync("pluginmesh: the agent reports no catalog");
            return 1;
        }
        var local = LocalPorts(proxy);
        var rows = catalog.GetProperty("services").EnumerateArray().Select(s =>
        {
            var name = s.GetProperty("name").GetString()!;
            return new[]
            {
                name,
                string.Join(",", s.GetProperty("clusterIPs").EnumerateArray().Select(x => x.GetString())) is { Length: > 0 } ips ? ips : (s.GetProperty("headless").GetBoolean() ? "None (headless)" : "-"),
                string.Join(",", s.GetProperty("ports").EnumerateArray().Select(x => x.GetString())),
                $"{s.GetProperty("ready").GetInt32()}/{s.GetProperty("endpoints").GetInt32()}",
                string.Join(",", s.GetProperty("nodes").EnumerateArray().Select(x => x.GetString())) is { Length: > 0 } n ? n : "-",
                local.TryGetValue(name, out var l) ? l : "-",
            };
        }).ToList();
        await io.Out.WriteLineAsync(Table.Render(["SERVICE", "CLUSTER-IP", "PORTS", "READY", "NODES", "LOCAL"], rows));
        return 0;
    }

    /// <summary>
    /// Local listen ports by service name, from the proxy's status in listen mode: <c>services[].service</c>
    /// (<c>namespace/name</c>, as the catalog names it) and <c>services[].ports[]</c> with <c>port</c>,
    /// <c>protocol</c> and <c>listenPort</c>. One entry per bound port, e.g. <c>80/tcp-&gt;40123</c>. In iptables
    /// mode traffic to the ClusterIP is intercepted instead, so there is nothing local to show for it. In both
    /// modes an external entry (<c>external</c>, <c>nodePort</c>, <c>localOnly</c>) shows its node port and the
    /// service's <c>externalIps</c>, e.g. <c>80/tcp-&gt;30080 (node port, local)</c>, <c>192.0.2.10:80/tcp (external IP)</c>.
    /// </summary>
    internal static Dictionary<string, string> LocalPorts(JsonElement proxy)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (proxy.ValueKind != JsonValueKind.Object || !proxy.TryGetProperty("services", out var services) || services.ValueKind != JsonValueKind.Array) return result;
        var listenMode = !(proxy.TryGetProperty("mode", out var mode) && mode.ValueKind == JsonValueKind.String && mode.GetString() != "listen");
        foreach (var s in services.EnumerateArray())
        {
            if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("service", out var name) || name.ValueKind != JsonValueKind.String) continue;
            if (!s.TryGetProperty("ports", out var ports) || ports.ValueKind != JsonValueKind.Array) continue;
            var externalIps = s.TryGetProperty("externalIps", out var eips) && eips.ValueKind == JsonValueKind.Array
                ? eips.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList() : [];
            var bound = new List<string>();
            foreach (var p in ports.EnumerateArray())
            {
                if (p.ValueKind != JsonValueKind.Object) continue;
                var port = p.TryGetProperty("port", out var pp) && pp.ValueKind == JsonValueKind.Number ? pp.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
                var protocol = p.TryGetProperty("protocol", out var pr) && pr.ValueKind == JsonValueKind.String ? "/" + pr.GetString() : "";
                JsonElement local;
                if (p.TryGetProperty("external", out var ex) && ex.ValueKind == JsonValueKind.True)
                {
                    var only = p.TryGetProperty("localOnly", out var lo) && lo.ValueKind == JsonValueKind.True ? ", local" : "";
                    if (p.TryGetProperty("nodePort", out local) && local.ValueKind == JsonValueKind.Number)
                        bound.Add($"{port}{protocol}->{local.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)} (node port{only})");
                    bound.AddRange(externalIps.Select(ip => $"{ip}:{port}{protocol} (external IP{only})"));
                    continue;
                }
                if (!listenMode || !p.TryGetProperty("listenPort", out local) || local.ValueKind != JsonValueKind.Number) continue;
                bound.Add($"{port}{protocol}->{local.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }
            if (s.TryGetProperty("healthCheck", out var health) && health.ValueKind == JsonValueKind.Object
                && health.TryGetProperty("port", out var hp) && hp.ValueKind == JsonValueKind.Number)
            {
                var localEndpoints = health.TryGetProperty("localEndpoints", out var le) && le.ValueKind == JsonValueKind.Number ? le.GetInt32() : 0;
                bound.Add($"{hp.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)} (health check: {(localEndpoints > 0 ? "200" : "503")})");
            }
            if (bound.Count > 0) result[name.GetString()!] = string.Join(",", bound);
        }
        return result;
    }
}
