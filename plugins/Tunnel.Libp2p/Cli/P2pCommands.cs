using PluginMesh.Abstractions.Discovery;


namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// Connectivity diagnostics: <c>p2p listen</c>, <c>p2p dial</c>, <c>p2p ping</c>, <c>p2p keygen</c>, each
/// on a node the host composes as the agent does (<see cref="CommandNodes"/>). Machine-readable results
/// are one JSON line on stdout; errors go to stderr with exit code 1 (2 for usage and a missing plugin).
/// </summary>
internal static class P2pCommands
{
    public static IReadOnlyList<PluginCommand> All { get; } =
    [
        new("p2p listen", "Listen and serve echo, ping and identify until stopped (optionally relay, reserve, hole-punch)",
            "pluginmesh p2p listen [--listen <multiaddr>]... [--key <file>] [--psk <file>] [--mdns [--mdns-interval <ms>]]\n" +
            "                      [--relay-service [--relay-unlimited]] [--reserve <relay multiaddr>]... [--hole-punch [--treat-as-public <cidr>]...] [--verbose]\n" +
            "  prints {\"peerId\":...,\"addrs\":[...]} once listening;\n" +
            "  --relay-service also offers the Circuit Relay v2 hop service (needs the tunnel.relay plugin; with --psk every\n" +
            "    peer that gets in is a member with unlimited circuits, and so with --relay-unlimited; otherwise circuits get the\n" +
            "    spec's outsider limits, 2 min / 128 KiB);\n" +
            "  --reserve keeps a reservation on that relay (repeatable): the ready line adds \"circuitAddrs\":[...] (waits up to\n" +
            "    10 s for them) and a line with \"event\":\"circuitAddrs\" is printed whenever they change;\n" +
            "  --hole-punch runs DCUtR: a peer that reaches us through a relay is upgraded to a direct connection; only\n" +
            "    non-private addresses are dialed, --treat-as-public <cidr> (repeatable) makes a range count as public (a lab's\n" +
            "    TEST-NET \"internet\"; autonat.treatAsPublic of the node's file otherwise);\n" +
            "  the node logs warnings on stderr (--verbose: everything from debug up, e.g. each hole-punch attempt);\n" +
            "  with --mdns (needs the dns.mdns plugin) one {\"event\":\"mdns:peer\",\"peerId\":...,\"addrs\":[...]} line per discovered peer, which it connects", ListenAsync),
        new("p2p dial", "Dial a peer and echo bytes on K streams, checking every byte",
            "pluginmesh p2p dial <multiaddr>... [--echo-bytes N] [--streams K] [--psk <file>] [--hole-punch [--wait-direct <ms>] [--listen <multiaddr>]... [--treat-as-public <cidr>]...] [--verbose]\n" +
            "  several addresses of one peer are tried in the agent's path order (direct, then /p2p-circuit relays);\n" +
            "  --hole-punch listens (default /ip4/0.0.0.0/tcp/0) and takes part in DCUtR; --wait-direct waits up to <ms> for\n" +
            "  the relayed connection to be upgraded before echoing;\n" +
            "  prints {\"ok\":...,\"path\":\"direct\"|\"relayed\"|\"hole-punched\",\"bytes\":...,\"seconds\":...,\"mibPerSec\":...}; exit 0 only if all came back intact", DialAsync),
        new("p2p ping", "Ping a peer over /ipfs/ping/1.0.0",
            "pluginmesh p2p ping <multiaddr>... [--count N] [--psk <file>] [--verbose]\n  prints one JSON line per ping with rttMs and the path", PingAsync),
        new("p2p keygen", "Create the identity key file (if absent) and print its PeerId; --psk makes a private-network swarm key",
            "pluginmesh p2p keygen [--key <file>] [--psk <file>]", KeygenAsync),
        // Top-level name from the issue: every node gets its own random key, never one derived from its name.
        new("keygen", "Create this node's identity key file (if absent) and print its PeerId; --psk makes a private-network swarm key",
            "pluginmesh keygen [--key <file>] [--psk <file>]   (same as: pluginmesh p2p keygen)\n" +
            "  --psk writes a new libp2p swarm key (/key/swarm/psk/1.0.0/, 256 random bits) with mode 0600, atomically, and never\n" +
            "  replaces an existing one; copy that one file to every agent of the mesh (pskFile). With --psk alone no identity key is made.", KeygenAsync),
        Daemon.DaemonCommand.Command,
        AgentCommands.Peers,
        AgentCommands.Ping,
    ];

    private static readonly TimeSpan ReserveWait = TimeSpan.FromSeconds(10);

    private static Task<int> ListenAsync(PluginCommandContext context) => RunAsync(context, ["listen", "key", "psk", "mdns-interval", "reserve", "treat-as-public"], ["mdns", "relay-service", "relay-unlimited", "hole-punch", "verbose"], async args =>
    {
        var options = ReadOptions(context);
        if (args.Has("mdns"))
        {
            if (!CommandNodes.Require(context, CommandNodes.Mdns, "--mdns")) return 2;
        }
        else if (args.One("mdns-interval") is not null)
        {
            throw new ArgumentException("--mdns-interval needs --mdns");
        }
        var interval = args.One("mdns-interval") is null ? (long?)null : args.Long("mdns-interval", 0, 1);
        var reserve = args.All("reserve").Select(Multiaddr.Parse).ToList();
        if (args.Has("relay-unlimited") && !args.Has("relay-service")) throw new ArgumentException("--relay-unlimited needs --relay-service");
        var relay = args.Has("relay-service") || reserve.Count > 0;
        if (relay && !CommandNodes.Require(context, CommandNodes.Relay, args.Has("relay-service") ? "--relay-service" : "--reserve")) return 2;
        var psk = args.One("psk");
        if (args.All("treat-as-public").Count > 0 && !args.Has("hole-punch")) throw new ArgumentException("--treat-as-public needs --hole-punch");
        var overrides = CommandNodes.Libp2p(args.All("listen").Select(Multiaddr.Parse).ToList(), dialOnly: false, args.Has("hole-punch"), args.One("key"), psk, treatAsPublic: args.All("treat-as-public"));
        List<string> plugins = [TunnelLibp2pPlugin.PluginId];
        if (relay)
        {
            plugins.Add(CommandNodes.Relay);
            CommandNodes.AddRelay(overrides, args.Has("relay-service"), [.. args.All("reserve")], allMembers: psk is not null || options.PskFile is not null || args.Has("relay-unlimited"));
        }
        if (args.Has("mdns"))
        {
            plugins.Add(CommandNodes.Mdns);
            CommandNodes.AddMdns(overrides, interval);
        }
        await using var node = await CommandNodes.StartAsync(context, args, plugins, overrides).ConfigureAwait(false);
        var libp2p = node.Libp2pNode();
        var host = libp2p.Host!;
        var addrs = host.DirectAddresses.Select(a => a.WithPeerId(host.PeerId)).ToArray();
        var addrTexts = addrs.Select(a => a.ToString()).ToArray();
        var ready = new Dictionary<string, object?> { ["peerId"] = host.PeerId.ToString(), ["addrs"] = addrTexts };
        using var circuits = reserve.Count == 0 ? null : new CircuitAddressWatch(libp2p.LocalPeer);
        if (circuits is not null)
        {
            var relays = reserve.Select(a => a.PeerId).OfType<PeerId>().ToHashSet();
            ready["circuitAddrs"] = await circuits.WaitForRelaysAsync(relays, ReserveWait, context.CancellationToken).ConfigureAwait(false);
        }
        var lines = new JsonLines(context.Out);
        await lines.WriteAsync(ready).ConfigureAwait(false);
        if (circuits is not null)
        {
            void Updated(string[] now) => lines.Post(new Dictionary<string, object?> { ["event"] = "circuitAddrs", ["peerId"] = host.PeerId.ToString(), ["addrs"] = addrTexts, ["circuitAddrs"] = now });
            circuits.Changed += Updated;
            // A change between the ready line and the subscription is printed too.
            if (circuits.Current is var current && !current.SequenceEqual((string[])ready["circuitAddrs"]!, StringComparer.Ordinal)) Updated(current);
        }
        using var mdns = args.Has("mdns") ? PrintDiscovered(node.Services.GetServices<IPeerDiscovery>().Single(d => d.Name == "mdns"), lines) : null;
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    });

    /// <summary>
    /// One line per peer <paramref name="discovery"/> reports, again only when its addresses change: the
    /// peers it already knows, then each new one. (The node itself connects them, as the agent does.)
    /// </summary>
    private static IDisposable PrintDiscovered(IPeerDiscovery discovery, JsonLines lines)
    {
        var printed = new Dictionary<PeerId, string>();
        void Print(DiscoveredPeer peer)
        {
            var key = string.Join(' ', peer.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal));
            lock (printed)
            {
                if (printed.TryGetValue(peer.PeerId, out var seen) && seen == key) return;
                printed[peer.PeerId] = key;
            }
            // Events arrive on the discovery's thread: write without blocking it, one line at a time.
            lines.Post(new Dictionary<string, object?> { ["event"] = "mdns:peer", ["peerId"] = peer.PeerId.ToString(), ["addrs"] = peer.Addresses.Select(a => a.ToString()).ToArray() });
        }
        discovery.PeerDiscovered += Print;
        foreach (var peer in discovery.Peers) Print(peer);
        return new HandlerRegistration(() => discovery.PeerDiscovered -= Print);
    }

    private static Task<int> DialAsync(PluginCommandContext context) => RunAsync(context, ["echo-bytes", "streams", "psk", "wait-direct", "listen", "treat-as-public"], ["hole-punch", "verbose"], async args =>
    {
        var target = Targets(args);
        var bytes = args.Long("echo-bytes", 1 << 20, 0);
        var streams = (int)args.Long("streams", 1, 1);
        var holePunch = args.Has("hole-punch");
        var waitDirect = args.Long("wait-direct", 0, 0);
        if (!holePunch && (waitDirect > 0 || args.All("listen").Count > 0 || args.All("treat-as-public").Count > 0)) throw new ArgumentException("--wait-direct, --listen and --treat-as-public need --hole-punch");
        var listen = args.All("listen").Select(Multiaddr.Parse).ToList();
        var ct = context.CancellationToken;
        if (!CanDial(context, target)) return 2;
        await using var node = await StartDialerAsync(context, args, target, holePunch ? (listen.Count > 0 ? listen : [Multiaddr.Parse("/ip4/0.0.0.0/tcp/0")]) : []).ConfigureAwait(false);
        var connection = await ConnectAsync(context, node, target, ct).ConfigureAwait(false);
        if (connection is null) return 1;
        long waitedMs = 0;
        if (waitDirect > 0 && connection.Path == PathKind.Relayed)
        {
            var waitStart = Stopwatch.GetTimestamp();
            connection = await WaitDirectAsync(node.Libp2pNode().Host!, connection, TimeSpan.FromMilliseconds(waitDirect), ct).ConfigureAwait(false);
            waitedMs = (long)Stopwatch.GetElapsedTime(waitStart).TotalMilliseconds;
        }
        var start = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
        {
            var s = await connection.OpenStreamAsync(EchoProtocol.ProtocolId, ct).ConfigureAwait(false);
            await using (s.Stream.ConfigureAwait(false))
            {
                return await EchoRunner.RunAsync(s.Stream, bytes, ct).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var total = results.Sum(r => r.Received);
        var error = results.Select(r => r.Error).FirstOrDefault(e => e is not null);
        var ok = error is null && results.All(r => r.Received == bytes);
        var result = new Dictionary<string, object?>
        {
            ["ok"] = ok,
            ["peerId"] = connection.RemotePeerId.ToString(),
            ["path"] = connection.Path.ToText(),
            ["address"] = connection.RemoteAddress.ToString(),
            ["bytes"] = total,
            ["seconds"] = seconds,
            ["mibPerSec"] = total / 1048576.0 / Math.Max(seconds, 1e-9),
            ["error"] = error,
        };
        if (waitDirect > 0) result["waitedMs"] = waitedMs;
        await WriteJsonAsync(context, result).ConfigureAwait(false);
        return ok ? 0 : 1;
    });

    private static Task<int> PingAsync(PluginCommandContext context) => RunAsync(context, ["count", "psk"], ["verbose"], async args =>
    {
        var target = Targets(args);
        var count = (int)args.Long("count", 3, 1);
        if (!CanDial(context, target)) return 2;
        await using var node = await StartDialerAsync(context, args, target, []).ConfigureAwait(false);
        var connection = await ConnectAsync(context, node, target, context.CancellationToken).ConfigureAwait(false);
        if (connection is null) return 1;
        for (var i = 0; i < count; i++)
        {
            var rtt = await node.Libp2pNode().Host!.PingAsync(connection, context.CancellationToken).ConfigureAwait(false);
            await WriteJsonAsync(context, new Dictionary<string, object?>
            {
                ["seq"] = i + 1,
                ["peerId"] = connection.RemotePeerId.ToString(),
                ["path"] = connection.Path.ToText(),
                ["rttMs"] = rtt.TotalMilliseconds,
            }).ConfigureAwait(false);
        }
        return 0;
    });

    /// <summary>False, after saying why, when a target is a circuit and the relay plugin is not installed.</summary>
    private static bool CanDial(PluginCommandContext context, PeerTarget target) =>
        !target.Addresses!.Any(a => a.IsRelayed) || CommandNodes.Require(context, CommandNodes.Relay, "a /p2p-circuit address");

    /// <summary>
    /// The node of <c>p2p dial</c> / <c>p2p ping</c>: a throwaway identity (<c>ephemeralKey</c>), no listener
    /// unless <paramref name="listen"/> is given (hole punching needs one), and the relay client when a
    /// target is a circuit.
    /// </summary>
    private static Task<ICommandNode> StartDialerAsync(PluginCommandContext context, CommandArgs args, PeerTarget target, IReadOnlyList<Multiaddr> listen)
    {
        var psk = args.One("psk");
        var overrides = CommandNodes.Libp2p(listen, dialOnly: listen.Count == 0, args.Has("hole-punch"), pskFile: psk, ephemeralKey: true, treatAsPublic: args.All("treat-as-public"));
        List<string> plugins = [TunnelLibp2pPlugin.PluginId];
        if (target.Addresses!.Any(a => a.IsRelayed))
        {
            plugins.Add(CommandNodes.Relay);
            CommandNodes.AddRelay(overrides, offerHop: false, [], allMembers: psk is not null || ReadOptions(context).PskFile is not null);
        }
        return CommandNodes.StartAsync(context, args, plugins, overrides);
    }

    /// <summary>Connects through the node's path choice (live connection, direct addresses, then relays; each failure decided by the node's failover policy); null, after printing why, when no path works.</summary>
    private static async Task<Libp2pConnection?> ConnectAsync(PluginCommandContext context, ICommandNode node, PeerTarget target, CancellationToken ct)
    {
        var first = await node.Services.GetRequiredService<IMeshTunnel>().OpenStreamAsync(target, PingProtocol.ProtocolId, ct).ConfigureAwait(false);
        if (!first.Ok)
        {
            // No path: the very value the agent's path choice ends with, as the command's answer.
            await context.Error.WriteLineAsync(first.Error).ConfigureAwait(false);
            return null;
        }
        var peer = first.Stream.Remote.PeerId;
        await first.Stream.DisposeAsync().ConfigureAwait(false);
        return node.Libp2pNode().Host!.GetConnection(peer) ?? throw new IOException($"the connection to {peer} closed right after it was made");
    }

    /// <summary>Waits until the peer also has a direct (hole-punched) connection, or the time is up; returns the best connection then.</summary>
    private static async Task<Libp2pConnection> WaitDirectAsync(Libp2pHost host, Libp2pConnection relayed, TimeSpan wait, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (host.GetConnection(relayed.RemotePeerId) is { Path: not PathKind.Relayed } direct) return direct;
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        return host.GetConnection(relayed.RemotePeerId) ?? relayed;
    }

    private static Task<int> KeygenAsync(PluginCommandContext context) => RunAsync(context, ["key", "psk"], [], async args =>
    {
        var result = new Dictionary<string, object?>();
        if (args.One("psk") is { } pskPath)
        {
            var full = Path.GetFullPath(pskPath);
            var created = PrivateFile.TryCreate(full, System.Text.Encoding.ASCII.GetBytes(SwarmKey.Generate().ToFileText()));
            // An existing file is kept, never replaced (the mesh may already use it); say whether it is usable.
            SwarmKey.Load(full);
            result["pskFile"] = full;
            result["pskCreated"] = created;
            if (args.One("key") is null)
            {
                await WriteJsonAsync(context, result).ConfigureAwait(false);
                return 0;
            }
        }
        var path = args.One("key") ?? ReadOptions(context).KeyFile;
        using var key = KeyFile.LoadOrCreate(path);
        result["peerId"] = key.PeerId.ToString();
        result["keyFile"] = path;
        await WriteJsonAsync(context, result).ConfigureAwait(false);
        return 0;
    });

    internal static async Task<int> RunAsync(PluginCommandContext context, string[] options, string[] flags, Func<CommandArgs, Task<int>> body)
    {
        CommandArgs args;
        try
        {
            args = CommandArgs.Parse(context.Args, options.ToHashSet(StringComparer.Ordinal), flags.ToHashSet(StringComparer.Ordinal));
        }
        catch (ArgumentException e)
        {
            await context.Error.WriteLineAsync($"[tunnel.libp2p] {e.Message}").ConfigureAwait(false);
            return 2;
        }
        try
        {
            return await body(args).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or FormatException or ArgumentException or OperationCanceledException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"[tunnel.libp2p] {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The positional multiaddrs as one target: all must name the same peer (or none).</summary>
    private static PeerTarget Targets(CommandArgs args)
    {
        if (args.Positionals.Count == 0) throw new ArgumentException("expected at least one <multiaddr>");
        var addrs = args.Positionals.Select(Multiaddr.Parse).ToList();
        var peers = addrs.Select(a => a.PeerId).OfType<PeerId>().Distinct().ToList();
        if (peers.Count > 1) throw new ArgumentException($"the addresses name {peers.Count} different peers ({string.Join(", ", peers)}); give addresses of one peer");
        if (peers.Count == 0 && addrs.Count > 1) throw new ArgumentException("several addresses without /p2p/<PeerId>: end them with the peer's id so they are known to be one peer");
        return new PeerTarget(PeerId: peers.Count == 1 ? peers[0] : null, Addresses: addrs);
    }

    internal static Libp2pOptions ReadOptions(PluginCommandContext context)
    {
        var problems = new List<string>();
        var options = Libp2pOptions.Read(context.Configuration, context.Node.DataDirectory, (k, m) => problems.Add($"{k}: {m}"));
        if (problems.Count > 0) throw new ArgumentException("config: " + string.Join("; ", problems));
        return options;
    }

    /// <summary>One result line of a command that writes from one thread only (dial, ping, keygen).</summary>
    private static Task WriteJsonAsync(PluginCommandContext context, Dictionary<string, object?> value) => new JsonLines(context.Out).WriteAsync(value);
}
