namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;

/// <summary>
/// <c>pluginmesh p2p daemon</c>: a node composed as the agent composes one, driven over the libp2p
/// daemon control protocol (<see cref="DaemonServer"/>), so tools written for go-libp2p-daemon's
/// <c>p2pd</c> (@libp2p/interop, @libp2p/daemon-client) can script it.
/// </summary>
internal static class DaemonCommand
{
    public static PluginCommand Command { get; } = new("p2p daemon", "Serve the libp2p daemon control protocol (p2pd) on a unix socket",
        "pluginmesh p2p daemon --control <unix socket path> [--listen <multiaddr>]... [--no-listen] [--key <file>] [--psk <file>] [--relay-service] [--verbose]\n" +
        "  requests served: IDENTIFY, CONNECT, LIST_PEERS, STREAM_OPEN, STREAM_HANDLER (callbacks on /unix or 127.0.0.1 TCP), DISCONNECT;\n" +
        "    any other request gets an ERROR response;\n" +
        "  prints {\"control\":...,\"peerId\":...,\"addrs\":[...]} once serving; listens on /ip4/0.0.0.0/tcp/0 unless --listen or --no-listen;\n" +
        "  --key: a libp2p PrivateKey protobuf (Ed25519, incl. go's legacy 96-byte form), mode 0600; without it a fresh identity;\n" +
        "  with the tunnel.relay plugin it dials /p2p-circuit addresses and accepts circuits from relays it dialed itself\n" +
        "    (acceptStop: dialed; it keeps no reservations of its own, a client reserves over a raw hop stream);\n" +
        "  --relay-service also offers the Circuit Relay v2 hop service (spec outsider limits; with --psk every peer is a member)",
        RunAsync);

    private static readonly Multiaddr DefaultListen = Multiaddr.Parse("/ip4/0.0.0.0/tcp/0");

    private static Task<int> RunAsync(PluginCommandContext context) => P2pCommands.RunAsync(context, ["control", "listen", "key", "psk"], ["no-listen", "relay-service", "verbose"], async args =>
    {
        var control = args.One("control") ?? throw new ArgumentException("--control <unix socket path> is required");
        if (args.Positionals.Count > 0) throw new ArgumentException($"unexpected argument '{args.Positionals[0]}'");
        var noListen = args.Has("no-listen");
        if (noListen && args.All("listen").Count > 0) throw new ArgumentException("--listen and --no-listen exclude each other");
        var key = args.One("key");
        // A daemon is given a key to use, never one to make: a missing file is a mistake, not a new identity.
        if (key is not null && !File.Exists(key)) throw new ArgumentException($"--key {key}: no such file");
        var listen = noListen ? [] : args.All("listen").Count > 0 ? args.All("listen").Select(Multiaddr.Parse).ToList() : [DefaultListen];
        var psk = args.One("psk");
        var overrides = CommandNodes.Libp2p(listen, dialOnly: noListen, holePunch: false, keyFile: key, pskFile: psk, ephemeralKey: key is null);
        List<string> plugins = [TunnelLibp2pPlugin.PluginId];
        if (args.Has("relay-service") && !CommandNodes.Require(context, CommandNodes.Relay, "--relay-service")) return 2;
        if (context.Host.IsInstalled(CommandNodes.Relay))
        {
            plugins.Add(CommandNodes.Relay);
            CommandNodes.AddRelay(overrides, args.Has("relay-service"), [], allMembers: psk is not null || P2pCommands.ReadOptions(context).PskFile is not null);
            overrides["plugins:" + CommandNodes.Relay + ":acceptStop"] = "dialed";
        }
        await using var node = await CommandNodes.StartAsync(context, args, plugins, overrides).ConfigureAwait(false);
        var host = node.Libp2pNode().Host!;
        var logger = node.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PluginMesh.Tunnel.Libp2p.Daemon");
        await using var server = new DaemonServer(host, logger);
        var path = Path.GetFullPath(control);
        server.Start(path);
        await new JsonLines(context.Out).WriteAsync(new Dictionary<string, object?>
        {
            ["control"] = path,
            ["peerId"] = host.PeerId.ToString(),
            ["addrs"] = host.DirectAddresses.Select(a => a.ToString()).ToArray(),
        }).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    });
}
