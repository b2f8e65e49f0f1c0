using System.Diagnostics;
using System.Text.Json;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Tunnel.Libp2p.Discovery;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;
using PluginMesh.Plugins.Tunnel.Libp2p.Pnet;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>
/// Connectivity diagnostics: <c>p2p listen</c>, <c>p2p dial</c>, <c>p2p ping</c>, <c>p2p keygen</c>.
/// Machine-readable results are one JSON line on stdout; errors go to stderr with exit code 1 (2 for usage).
/// </summary>
internal static class P2pCommands
{
    public static IReadOnlyList<PluginCommand> All { get; } =
    [
        new("p2p listen", "Listen and serve echo, ping and identify until stopped",
            "pluginmesh p2p listen [--listen <multiaddr>]... [--key <file>] [--psk <file>] [--mdns [--mdns-interval <ms>]]\n  prints {\"peerId\":...,\"addrs\":[...]} once listening;\n  with --mdns (needs the dns.mdns plugin) one {\"event\":\"mdns:peer\",\"peerId\":...,\"addrs\":[...]} line per discovered peer, which it connects", ListenAsync),
        new("p2p dial", "Dial a peer and echo bytes on K streams, checking every byte",
            "pluginmesh p2p dial <multiaddr> [--echo-bytes N] [--streams K] [--psk <file>]\n  prints {\"ok\":...,\"bytes\":...,\"seconds\":...,\"mibPerSec\":...}; exit 0 only if all came back intact", DialAsync),
        new("p2p ping", "Ping a peer over /ipfs/ping/1.0.0",
            "pluginmesh p2p ping <multiaddr> [--count N] [--psk <file>]\n  prints one JSON line per ping with rttMs", PingAsync),
        new("p2p keygen", "Create the identity key file (if absent) and print its PeerId",
            "pluginmesh p2p keygen [--key <file>]", KeygenAsync),
        // Top-level name from the issue: every node gets its own random key, never one derived from its name.
        new("keygen", "Create this node's identity key file (if absent) and print its PeerId",
            "pluginmesh keygen [--key <file>]   (same as: pluginmesh p2p keygen)", KeygenAsync),
    ];

    private static Task<int> ListenAsync(PluginCommandContext context) => RunAsync(context, ["listen", "key", "psk", "mdns-interval"], async args =>
    {
        var options = ReadOptions(context);
        IStandaloneDiscoveryProvider? mdns = null;
        if (args.Has("mdns"))
        {
            mdns = context.DiscoveryProviders.FirstOrDefault(p => p.DiscoveryName == "mdns");
            if (mdns is null)
            {
                await context.Error.WriteLineAsync("[tunnel.libp2p] --mdns needs the dns.mdns plugin (no discovery named 'mdns' is loaded)").ConfigureAwait(false);
                return 2;
            }
        }
        else if (args.One("mdns-interval") is not null)
        {
            throw new ArgumentException("--mdns-interval needs --mdns");
        }
        var interval = args.Long("mdns-interval", 10_000, 1);
        var listen = args.All("listen").Select(Multiaddr.Parse).ToList();
        using var key = KeyFile.LoadOrCreate(args.One("key") ?? options.KeyFile);
        await using var host = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = key,
            ListenAddresses = listen.Count > 0 ? listen : options.Listen,
            PrivateNetworkKey = LoadPsk(args.One("psk") ?? options.PskFile),
        });
        await host.StartAsync(context.CancellationToken).ConfigureAwait(false);
        var addrs = host.AdvertisedAddresses.Select(a => a.WithPeerId(host.PeerId).ToString()).ToArray();
        await WriteJsonAsync(context, new Dictionary<string, object?>
        {
            ["peerId"] = host.PeerId.ToString(),
            ["addrs"] = addrs,
        }).ConfigureAwait(false);
        await using var mdnsRun = mdns is null ? null : await StartMdnsAsync(context, mdns, host, addrs, interval).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    });

    /// <summary>Starts the mDNS provider advertising this host; each discovered peer is printed once per new address set and connected.</summary>
    private static async Task<MdnsRun> StartMdnsAsync(PluginCommandContext context, IStandaloneDiscoveryProvider provider, Libp2pHost host, string[] addrs, long intervalMs)
    {
        var discovery = provider.Create(new LocalPeerAdvertisement(host.PeerId.ToString(), addrs),
            new Dictionary<string, string> { ["interval"] = intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var connector = new DiscoveryConnector(host, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var printed = new Dictionary<string, string>(StringComparer.Ordinal);
        var writeLock = new SemaphoreSlim(1);
        discovery.PeerDiscovered += peer =>
        {
            var key = string.Join(' ', peer.Addresses.Order(StringComparer.Ordinal));
            lock (printed)
            {
                if (printed.TryGetValue(peer.PeerId, out var seen) && seen == key) return;
                printed[peer.PeerId] = key;
            }
            // Events arrive on the discovery's thread: write without blocking it, one line at a time.
            _ = Task.Run(async () =>
            {
                await writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    await WriteJsonAsync(context, new Dictionary<string, object?> { ["event"] = "mdns:peer", ["peerId"] = peer.PeerId, ["addrs"] = peer.Addresses.ToArray() }).ConfigureAwait(false);
                }
                finally
                {
                    writeLock.Release();
                }
            });
        };
        var subscription = connector.Attach(discovery);
        try
        {
            await discovery.StartAsync(context.CancellationToken).ConfigureAwait(false);
        }
        catch
        {
            subscription.Dispose();
            await discovery.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new MdnsRun(discovery, connector, subscription);
    }

    private static Task<int> DialAsync(PluginCommandContext context) => RunAsync(context, ["echo-bytes", "streams", "psk"], async args =>
    {
        var target = Target(args);
        var bytes = args.Long("echo-bytes", 1 << 20, 0);
        var streams = (int)args.Long("streams", 1, 1);
        using var key = IdentityKey.Generate();
        await using var host = new Libp2pHost(new Libp2pHostOptions { Identity = key, PrivateNetworkKey = LoadPsk(args.One("psk") ?? ReadOptions(context).PskFile) });
        var ct = context.CancellationToken;
        var connection = await host.DialAsync(target, ct).ConfigureAwait(false);
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
        await WriteJsonAsync(context, new Dictionary<string, object?>
        {
            ["ok"] = ok,
            ["peerId"] = connection.RemotePeerId.ToString(),
            ["bytes"] = total,
            ["seconds"] = seconds,
            ["mibPerSec"] = total / 1048576.0 / Math.Max(seconds, 1e-9),
            ["error"] = error,
        }).ConfigureAwait(false);
        return ok ? 0 : 1;
    });

    private static Task<int> PingAsync(PluginCommandContext context) => RunAsync(context, ["count", "psk"], async args =>
    {
        var target = Target(args);
        var count = (int)args.Long("count", 3, 1);
        using var key = IdentityKey.Generate();
        await using var host = new Libp2pHost(new Libp2pHostOptions { Identity = key, PrivateNetworkKey = LoadPsk(args.One("psk") ?? ReadOptions(context).PskFile) });
        var connection = await host.DialAsync(target, context.CancellationToken).ConfigureAwait(false);
        for (var i = 0; i < count; i++)
        {
            var rtt = await host.PingAsync(connection, context.CancellationToken).ConfigureAwait(false);
            await WriteJsonAsync(context, new Dictionary<string, object?> { ["seq"] = i + 1, ["peerId"] = connection.RemotePeerId.ToString(), ["rttMs"] = rtt.TotalMilliseconds }).ConfigureAwait(false);
        }
        return 0;
    });

    private static Task<int> KeygenAsync(PluginCommandContext context) => RunAsync(context, ["key"], async args =>
    {
        var path = args.One("key") ?? ReadOptions(context).KeyFile;
        using var key = KeyFile.LoadOrCreate(path);
        await WriteJsonAsync(context, new Dictionary<string, object?> { ["peerId"] = key.PeerId.ToString(), ["keyFile"] = path }).ConfigureAwait(false);
        return 0;
    });

    private static async Task<int> RunAsync(PluginCommandContext context, string[] options, Func<CommandArgs, Task<int>> body)
    {
        CommandArgs args;
        try
        {
            args = CommandArgs.Parse(context.Args, options.ToHashSet(StringComparer.Ordinal), options.Contains("mdns-interval") ? new HashSet<string>(["mdns"], StringComparer.Ordinal) : null);
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

    private static Multiaddr Target(CommandArgs args)
    {
        if (args.Positionals.Count != 1) throw new ArgumentException("expected exactly one <multiaddr>");
        return Multiaddr.Parse(args.Positionals[0]);
    }

    private static Libp2pOptions ReadOptions(PluginCommandContext context)
    {
        var problems = new List<string>();
        var options = Libp2pOptions.Read(context.Configuration, context.Node.DataDirectory, (k, m) => problems.Add($"{k}: {m}"));
        if (problems.Count > 0) throw new ArgumentException("config: " + string.Join("; ", problems));
        return options;
    }

    private static SwarmKey? LoadPsk(string? path) => path is null ? null : SwarmKey.Load(path);

    private static async Task WriteJsonAsync(PluginCommandContext context, Dictionary<string, object?> value)
    {
        await context.Out.WriteLineAsync(JsonSerializer.Serialize(value)).ConfigureAwait(false);
        await context.Out.FlushAsync().ConfigureAwait(false);
    }
}
