using System.Globalization;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// <c>pluginmesh peers</c> and <c>pluginmesh ping</c>: what the running agent's tunnel sees, asked of its
/// admin endpoint (the <c>peers</c> section of <c>/status</c> and <c>/ping</c>, both this plugin's).
/// Usage errors read and exit as the host's own commands do (exit 2); an agent that does not answer exits 1.
/// </summary>
internal static class AgentCommands
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static PluginCommand Peers { get; } = new("peers", "List connected peers with path kind (direct / hole-punched / relayed) and RTT", """
        Usage: pluginmesh peers [--json] [--admin ADDR] [--config FILE]

        Lists the running agent's live connections: node name (from the node directory), PeerId,
        path kind, remote address (a relayed one names its relay), direction and last RTT, plus
        the agent's reachability (public / private / unknown, from AutoNAT).
        """, context => RunAsync(context, ["admin"], ["json"], async args =>
        {
            var answer = await context.Host.GetAdminAsync(args.One("admin"), "/status", TimeSpan.FromSeconds(5), context.CancellationToken).ConfigureAwait(false);
            if (!await ReachedAsync(context, answer).ConfigureAwait(false)) return 1;
            using var doc = JsonDocument.Parse(answer.Body);
            // An agent without this plugin running has no peers section: nothing connected, reachability unknown.
            using var none = JsonDocument.Parse("""{"reachability":"unknown","connections":[]}""");
            var peers = doc.RootElement.TryGetProperty("peers", out var section) ? section : none.RootElement;
            if (args.Has("json"))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(peers, Indented)).ConfigureAwait(false);
                return 0;
            }
            await context.Out.WriteLineAsync($"reachability: {peers.GetProperty("reachability").GetString()}").ConfigureAwait(false);
            var rows = peers.GetProperty("connections").EnumerateArray().Select(c => new[]
            {
                TextTable.Cell(c, "node"), TextTable.Cell(c, "peerId"), TextTable.Cell(c, "path"), TextTable.Cell(c, "address"), TextTable.Cell(c, "direction"), TextTable.Cell(c, "rttMs"),
            }).ToList();
            await context.Out.WriteLineAsync(TextTable.Render(["NODE", "PEER", "PATH", "ADDRESS", "DIRECTION", "RTT(ms)"], rows)).ConfigureAwait(false);
            return 0;
        }));

    public static PluginCommand Ping { get; } = new("ping", "Reach a node or PeerId the way traffic would; print the path and RTTs", """
        Usage: pluginmesh ping <node | PeerId> [--count N] [--json] [--admin ADDR] [--config FILE]

        Asks the running agent to reach the target through its tunnel (existing connection, direct
        dial, or relay — the same path choice traffic gets), then to measure N round trips with
        libp2p ping. Prints the path kind (direct / hole-punched / relayed via <relay>) and the RTTs.
        The agent reaches only peers it knows (node names and PeerIds of its node directory, peers it
        is connected to); to ping a multiaddr, use 'pluginmesh p2p ping <multiaddr>', which dials from
        a throwaway identity of its own. Exits 1 when the target cannot be reached.
        """, context => RunAsync(context, ["admin", "count"], ["json"], async args =>
        {
            if (args.Positionals.Count != 1) throw new ArgumentException("ping takes one target");
            var count = args.One("count") is { } c ? int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100 ? n : throw new ArgumentException("--count takes 1 to 100") : 3;
            var target = args.Positionals[0];
            var answer = await context.Host.GetAdminAsync(args.One("admin"), $"/ping?target={Uri.EscapeDataString(target)}&count={count}", TimeSpan.FromSeconds(60), context.CancellationToken).ConfigureAwait(false);
            if (!await ReachedAsync(context, answer).ConfigureAwait(false)) return 1;
            // The route is this plugin's: an agent that does not run it has none.
            var body = answer.StatusCode == 404 ? """{"error":"no tunnel plugin is running"}""" : answer.Body;
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var ok = root.TryGetProperty("ok", out var okProp) && okProp.GetBoolean();
            if (args.Has("json")) await context.Out.WriteLineAsync(body).ConfigureAwait(false);
            else if (!ok) await context.Error.WriteLineAsync($"ping {target}: {TextTable.Cell(root, "error")}").ConfigureAwait(false);
            else
            {
                // The relay by its node name when the directory knows it, else by PeerId.
                var via = root.TryGetProperty("viaNode", out var viaNode) && viaNode.ValueKind == JsonValueKind.String ? viaNode.GetString()
                    : root.TryGetProperty("via", out var viaPeer) && viaPeer.ValueKind == JsonValueKind.String ? viaPeer.GetString() : null;
                var path = TextTable.Cell(root, "path") + (via is null ? "" : $" via {via}");
                await context.Out.WriteLineAsync($"{target} ({TextTable.Cell(root, "peerId")}): path {path}, connected in {TextTable.Cell(root, "connectMs")} ms").ConfigureAwait(false);
                foreach (var rtt in root.GetProperty("rttMs").EnumerateArray()) await context.Out.WriteLineAsync($"  rtt {rtt.GetDouble().ToString("0.###", CultureInfo.InvariantCulture)} ms").ConfigureAwait(false);
            }
            return ok ? 0 : 1;
        }));

    private static async Task<bool> ReachedAsync(PluginCommandContext context, AdminAnswer answer)
    {
        if (answer.Reached) return true;
        await context.Error.WriteLineAsync($"pluginmesh: no agent answers on {answer.Address}: {answer.Body}").ConfigureAwait(false);
        return false;
    }

    /// <summary>Parses the options; a usage error (a bad option, a bad <c>--admin</c>) is reported as the host reports its own, exit 2.</summary>
    private static async Task<int> RunAsync(PluginCommandContext context, string[] options, string[] flags, Func<CommandArgs, Task<int>> body)
    {
        try
        {
            return await body(CommandArgs.Parse(context.Args, options.ToHashSet(StringComparer.Ordinal), flags.ToHashSet(StringComparer.Ordinal))).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            await context.Error.WriteLineAsync($"pluginmesh: {e.Message}. Run with --help for usage.").ConfigureAwait(false);
            return 2;
        }
    }
}
