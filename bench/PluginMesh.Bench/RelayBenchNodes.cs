using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;

namespace PluginMesh.Bench;

/// <summary>
/// One libp2p node on loopback with the relay plugin's service attached through the Abstractions
/// contracts — the wiring of tests/Tunnel.Relay.Tests (RelayNode), plus a service provider so the
/// node's host can dial <c>/p2p-circuit</c> addresses through the relay transport and upgrade the
/// circuit with Noise and Yamux, as the agent does. No hole punching, no AutoNAT: a relayed
/// connection stays relayed.
/// </summary>
internal sealed class RelayBenchNode : IAsyncDisposable
{
    private readonly string _dir;

    private RelayBenchNode(string dir, Libp2pNodeService node, MeshTunnel tunnel, RelayService? service)
    {
        _dir = dir;
        Node = node;
        Tunnel = tunnel;
        Service = service;
    }

    public Libp2pNodeService Node { get; }

    public MeshTunnel Tunnel { get; }

    public RelayService? Service { get; }

    public PeerId PeerId => Tunnel.LocalPeerId;

    public Multiaddr Address => Node.Host!.ListenAddresses[0].WithPeerId(Node.Identity.PeerId);

    /// <param name="relay">Relay options; null attaches no relay service (a plain dialer).</param>
    /// <param name="network">
    /// The <see cref="IPeerNetwork"/> handed to the relay service: null = the node's own (inbound
    /// circuits are upgraded), or a double such as <see cref="RawCircuitNetwork"/>.
    /// </param>
    /// <param name="dialCircuits">Register the circuit transport so the host can dial <c>/p2p-circuit</c> addresses.</param>
    public static async Task<RelayBenchNode> StartAsync(RelayOptions? relay, IPeerNetwork? network = null, bool dialCircuits = false, CancellationToken cancellationToken = default)
    {
        var dir = Directory.CreateTempSubdirectory("pm-relay-bench-").FullName;
        var services = new TransportServices();
        var node = new Libp2pNodeService(new Libp2pOptions
        {
            KeyFile = Path.Combine(dir, "node.key"),
            Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            HolePunch = false,
            AutoNat = new() { Enabled = false },
            MaxConnections = 4096,
            MaxInboundStreamsPerConnection = 4096,
            IdleTimeoutSeconds = 0,
        }, NullLoggerFactory.Instance, meter: null, services: services);
        var tunnel = new MeshTunnel(node);
        if (dialCircuits) services.Transports.Add(new CircuitTransport(tunnel));
        RelayService? service = null;
        if (relay is not null)
        {
            var deps = new RelayDependencies(tunnel, node.LocalPeer, network ?? node.Network, null, [], null);
            var meter = new System.Diagnostics.Metrics.Meter("bench.relay." + Guid.NewGuid().ToString("N"));
            service = new RelayService(relay, deps, new RelayMetrics(meter), TimeProvider.System, NullLogger.Instance);
        }
        await node.StartAsync(cancellationToken);
        var result = new RelayBenchNode(dir, node, tunnel, service);
        try
        {
            if (service is not null) await service.StartAsync(cancellationToken);
        }
        catch
        {
            await result.DisposeAsync();
            throw;
        }
        return result;
    }

    /// <summary>Client-only relay options that hold a reservation on <paramref name="relayAddress"/>.</summary>
    public static RelayOptions Reserving(Multiaddr relayAddress) =>
        new() { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off, Reserve = [relayAddress] };

    public async Task WaitReservedAsync(CancellationToken cancellationToken)
    {
        while (Service!.Reservations!.Reservations.Count == 0) await Task.Delay(20, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Service is not null) await Service.StopAsync(default);
        await Node.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// The slice of DI the node service asks for: <c>IEnumerable&lt;ITransport&gt;</c> (the relay
    /// transport, resolved per dial) and empty lists for everything else it enumerates.
    /// </summary>
    private sealed class TransportServices : IServiceProvider
    {
        public List<ITransport> Transports { get; } = [];

        public object? GetService(Type serviceType)
        {
            if (serviceType == typeof(IEnumerable<ITransport>)) return Transports.ToArray();
            if (serviceType.IsGenericType && serviceType.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                return Array.CreateInstance(serviceType.GetGenericArguments()[0], 0);
            return null;
        }
    }
}

/// <summary>
/// IPeerNetwork double for the target of raw circuits (the test suite's TestPeerNetwork): an
/// inbound circuit is not upgraded but kept open raw — the tunnel keeps a single connection per
/// relayed peer pair, and the relay's cost per circuit does not depend on what flows inside. It
/// echoes what it receives, or with <paramref name="sink"/> reads to the end and answers the byte
/// count (8 bytes, little endian).
/// </summary>
internal sealed class RawCircuitNetwork(bool sink = false) : IPeerNetwork
{
    private readonly Lock _lock = new();
    private readonly List<ITransportConnection> _inbound = [];

    public Reachability Reachability => Reachability.Private;

    public event Action<Reachability>? ReachabilityChanged { add { } remove { } }

    public IReadOnlyList<PeerConnection> Connections => [];

    public event Action<PeerConnection>? PeerConnected { add { } remove { } }

    public event Action<PeerConnection>? PeerDisconnected { add { } remove { } }

    public int InboundCount
    {
        get { lock (_lock) return _inbound.Count; }
    }

    public void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs)
    {
    }

    public ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken)
    {
        lock (_lock) _inbound.Add(raw);
        _ = sink ? SinkAsync(raw) : EchoAsync(raw);
        return ValueTask.FromResult(new PeerConnection(raw.RemoteAddress.TargetPeerId!, raw.RemoteAddress, path, true, DateTimeOffset.UtcNow, null, []));
    }

    public ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken) =>
        throw new TunnelException(TunnelFailure.Unresolved, "not supported by the bench double");

    private async Task SinkAsync(ITransportConnection raw)
    {
        await using (raw)
        {
            var buffer = new byte[256 * 1024];
            try
            {
                long total = 0;
                int n;
                while ((n = await raw.Stream.ReadAsync(buffer)) > 0) total += n;
                var ack = new byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(ack, total);
                await raw.Stream.WriteAsync(ack);
                await ((RelayedConnection)raw).CloseWriteAsync(default);
            }
            catch (IOException)
            {
            }
        }
        lock (_lock) _inbound.Remove(raw);
    }

    private async Task EchoAsync(ITransportConnection raw)
    {
        await using (raw)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await raw.Stream.ReadAsync(buffer)) > 0) await raw.Stream.WriteAsync(buffer.AsMemory(0, n));
            }
            catch (IOException)
            {
            }
        }
        lock (_lock) _inbound.Remove(raw);
    }
}

/// <summary>
/// <c>relay-serve</c>: the relay node alone in its own process, so its CPU time, managed heap and
/// RSS are not mixed with the clients'. Prints <c>READY &lt;address&gt;</c>, then answers each
/// <c>stats</c> line on stdin with one <c>STATS key=value …</c> line; <c>quit</c> or end of input stops it.
/// </summary>
internal static class RelayServe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var maxCircuits = 1024;
        var bufferKiB = 64;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--max-circuits": maxCircuits = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--buffer-kib": bufferKiB = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"relay-serve: unknown option {args[i]}");
            }
        }
        var options = new RelayOptions
        {
            Relay = RelayOfferMode.Always,
            Members = MembershipMode.All,
            AutoRelay = AutoRelayMode.Off,
            MemberLimits = CircuitLimit.Unlimited,
            Limits = new HopLimits
            {
                MaxReservations = 4096,
                MaxReservationsPerIp = 4096,
                MaxCircuitsPerPeer = maxCircuits,
                MaxCircuits = maxCircuits,
                BufferSize = bufferKiB * 1024,
            },
        };
        await using var relay = await RelayBenchNode.StartAsync(options);
        Console.Out.WriteLine("READY " + relay.Address);
        Console.Out.Flush();
        using var process = Process.GetCurrentProcess();
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "quit") break;
            if (line != "stats") continue;
            // CPU first: the forced collection below is the bench's, not the relay's work.
            process.Refresh();
            var cpu = process.TotalProcessorTime.TotalSeconds;
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            var hop = relay.Service!.Hop!;
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"STATS heap={heap} rss={ReadRss()} cpu={cpu:F3} circuits={hop.Circuits} bytes={hop.Bytes} reservations={hop.Reservations.Count}"));
            Console.Out.Flush();
        }
        return 0;
    }

    /// <summary>Resident set size in bytes (VmRSS; the working set where /proc is missing).</summary>
    private static long ReadRss()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet;
    }
}
