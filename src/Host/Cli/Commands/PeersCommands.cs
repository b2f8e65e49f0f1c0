using System.Globalization;
using System.Text.Json;

namespace PluginMesh.Host.Cli.Commands;

/// <summary><c>pluginmesh peers</c> and <c>pluginmesh ping</c>: what the running agent's tunnel sees.</summary>
internal static class PeersCommands
{
    public static CliCommand Peers { get; } = new("peers", "List connected peers with path kind (direct / hole-punched / relayed) and RTT", """
        Usage: pluginmesh peers [--json] [--admin ADDR] [--config FILE]

        Lists the running agent's live connections: node name (from the node directory), PeerId,
        path kind, remote address (a relayed one names its relay), direction and last RTT, plus
        the agent's reachability (public / private / unknown, from AutoNAT).
        """, async (argv, io) =>
        {
            var (args, status) = await AdminStatus.FetchAsync(argv, ["json"], io);
            if (status is null) return 1;
            using var doc = status;
            if (!doc.RootElement.TryGetProperty("peers", out var peers))
            {
                await io.Error.WriteLineAsync("pluginmesh: the agent reports no peers section");
                return 1;
            }
            if (args.Flag("json")) { await io.Out.WriteLineAsync(JsonSerializer.Serialize(peers, Admin.AdminEndpoints.Json)); return 0; }
            await io.Out.WriteLineAsync($"reachability: {peers.GetProperty("reachability").GetString()}");
            var rows = peers.GetProperty("connections").EnumerateArray().Select(c => new[]
            {
                Table.Cell(c, "node"), Table.Cell(c, "peerId"), Table.Cell(c, "path"), Table.Cell(c, "address"), Table.Cell(c, "direction"), Table.Cell(c, "rttMs"),
            }).ToList();
            await io.Out.WriteLineAsync(Table.Render(["NODE", "PEER", "PATH", "ADDRESS", "DIRECTION", "RTT(ms)"], rows));
            return 0;
        });

    public static CliCommand Ping { get; } = new("ping", "Reach a node, PeerId or multiaddr the way traffic would; print the path and RTTs", """
        Usage: pluginmesh ping <node | PeerId | multiaddr> [--count N] [--json] [--admin ADDR] [--config FILE]

        Asks the running agent to reach the target through its tunnel (existing connection, direct
        dial, or relay — the same path choice traffic gets), then to measure N round trips with
        libp2p ping. Prints the path kind (direct / hole-punched / relayed via <relay>) and the RTTs.
        Exits 1 when the target cannot be reached.
        """, async (argv, io) =>
        {
            var args = new CliArgs(argv, [.. GlobalOptions.Values, "admin", "count"], [.. GlobalOptions.Flags, "json"]);
            if (args.Positionals.Count != 1) throw new UsageException("ping takes one target");
            var count = args.Value("count") is { } c ? int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100 ? n : throw new UsageException("--count takes 1 to 100") : 3;
            Configuration.AdminListen admin;
            try
            {
                admin = AdminClient.Resolve(args.Value("admin"), args.Value("config"));
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
            using var http = AdminClient.Create(admin, TimeSpan.FromSeconds(60));
            string body;
            try
            {
                using var response = await http.GetAsync(new Uri($"ping?target={Uri.EscapeDataString(args.Positionals[0])}&count={count}", UriKind.Relative), io.Cancel);
                body = await response.Content.ReadAsStringAsync(io.Cancel);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await io.Error.WriteLineAsync($"pluginmesh: no agent answers on {admin}: {ex.Message}");
                return 1;
            }
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var ok = root.TryGetProperty("ok", out var okProp) && okProp.GetBoolean();
            if (args.Flag("json")) await io.Out.WriteLineAsync(body);
            else if (!ok) await io.Error.WriteLineAsync($"ping {args.Positionals[0]}: {Table.Cell(root, "error")}");
            else
            {
                var path = Table.Cell(root, "path") + (root.TryGetProperty("via", out var via) && via.ValueKind == JsonValueKind.String ? $" via {via.GetString()}" : "");
                await io.Out.WriteLineAsync($"{args.Positionals[0]} ({Table.Cell(root, "peerId")}): path {path}, connected in {Table.Cell(root, "connectMs")} ms");
                foreach (var rtt in root.GetProperty("rttMs").EnumerateArray()) await io.Out.WriteLineAsync($"  rtt {rtt.GetDouble().ToString("0.###", CultureInfo.InvariantCulture)} ms");
            }
            return ok ? 0 : 1;
        });

}
