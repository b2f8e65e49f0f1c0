using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Host.Policies;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Directory.P2p;
using PluginMesh.Plugins.Directory.P2p.Api;
using PluginMesh.Plugins.Directory.P2p.Liveness;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Bench;

/// <summary>
/// <c>directory</c> mode (issue 13): range sync of <c>directory.p2p</c> at 1 000, 5 000 and 20 000
/// records. Two directory instances (a real <c>RecordStore</c> each, the plugin's own exchange code on
/// both ends) talk over loopback TCP connections, one connection per exchange, bytes counted on the
/// sockets. A seeded instance holds N real signed records (Ed25519, one key each); a fresh one converges
/// from empty by one exchange it initiates. Reported per N: convergence time and bytes from empty,
/// heap growth of the fresh instance per record held (records, indices, the sync snapshot), bytes of a
/// round once converged (both directions, median of --rounds), a round after --churn records changed,
/// and the former protocol's converged round (DIGEST of everything) for comparison. Then the same
/// converged round between two agents' directory services over real libp2p (tunnel.libp2p on
/// loopback: TCP, Noise, Yamux, multistream-select), bytes counted by a TCP relay between them.
/// Admission limits are off: this measures the protocol (README says what the default limits mean).
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- directory [--sizes 1000,5000,20000]
/// [--rounds 5] [--churn 10]
/// </summary>
internal static class DirectoryBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        int[] sizes = [1000, 5000, 20000];
        var rounds = 5;
        var churn = 10;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sizes": sizes = [.. args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--churn": churn = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    await Console.Error.WriteLineAsync($"directory: unknown option {args[i]}");
                    return 2;
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"directory bench: sizes {string.Join(", ", sizes)}, {rounds} converged rounds, churn {churn}, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine();
        var wire = new List<string>();
        var liveness = new List<string>();
        Console.WriteLine("| records | converge from empty | bytes from empty (sent / received by the fresh side) | heap per record | converged round bytes (median, both ways) | RECONCILE frames | round after churn: bytes / records | version 1 converged round bytes |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var n in sizes) Console.WriteLine(await RunSizeAsync(n, rounds, churn, wire, liveness));
        Console.WriteLine();
        Console.WriteLine("Over libp2p (DirectorySyncService.ExchangeAsync between two tunnel.libp2p nodes, converged, TCP bytes both ways):");
        Console.WriteLine();
        Console.WriteLine("| records | converged exchange on the wire (median) | min – max |");
        Console.WriteLine("|---|---|---|");
        foreach (var line in wire) Console.WriteLine(line);
        Console.WriteLine();
        Console.WriteLine("Tolerance window rounds (NodeLiveness.EvaluateAsync, policies/retire.js in the real engine, API away, every node heard seconds ago so none is a suspect):");
        Console.WriteLine();
        Console.WriteLine("| records | round judging every node | next round (all judged < 10 s ago) |");
        Console.WriteLine("|---|---|---|");
        foreach (var line in liveness) Console.WriteLine(line);
        return 0;
    }

    private static async Task<string> RunSizeAsync(int n, int rounds, int churn, List<string> wire, List<string> liveness)
    {
        var keys = new PrivateKey[n];
        var records = new SignedNodeRecord[n];
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        for (var i = 0; i < n; i++)
        {
            keys[i] = PrivateKey.Generate();
            records[i] = Sign(keys[i], i, 1, expires);
        }
        var seeded = NewStore();
        foreach (var r in records) await seeded.AcceptAsync(r, "peer:seed", CancellationToken.None);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var fresh = NewStore();
        var clock = Stopwatch.StartNew();
        var first = await ExchangeAsync(fresh, seeded, v1: false);
        clock.Stop();
        if (fresh.Count != n) throw new InvalidOperationException($"fresh store holds {fresh.Count} of {n} after one exchange");
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(fresh);

        var converged = new List<Wire>();
        for (var i = 0; i < rounds; i++) converged.Add(await ExchangeAsync(fresh, seeded, v1: false));
        var median = converged.OrderBy(w => w.Total).ElementAt(converged.Count / 2);
        if (converged.Any(w => w.Counts.Sent + w.Counts.Accepted != 0)) throw new InvalidOperationException("records crossed in a converged round");

        // Churn: the seeded side re-signs some records (as agents do at half-life or on a move).
        for (var i = 0; i < churn; i++) await seeded.AcceptAsync(Sign(keys[i * (n / Math.Max(churn, 1))], i * (n / Math.Max(churn, 1)), 2, expires), "peer:seed", CancellationToken.None);
        var changed = await ExchangeAsync(fresh, seeded, v1: false);
        var v1 = await ExchangeAsync(fresh, seeded, v1: true);
        var p2p = await Libp2pRoundsAsync(fresh, seeded, rounds);
        liveness.Add(await LivenessRoundsAsync(fresh, n));
        wire.Add(string.Create(CultureInfo.InvariantCulture, $"| {n:N0} | {p2p[p2p.Count / 2]:N0} B | {p2p[0]:N0} – {p2p[^1]:N0} B |"));
        foreach (var k in keys) k.Dispose();

        return string.Create(CultureInfo.InvariantCulture,
            $"| {n:N0} | {clock.Elapsed.TotalMilliseconds:0} ms | {first.Sent:N0} / {first.Received:N0} | {(after - before) / (double)n:0} B | {median.Total:N0} | {median.Counts.Rounds} + {median.Frames - median.Counts.Rounds} | {changed.Total:N0} / {changed.Counts.Accepted} | {v1.Total:N0} |");
    }

    /// <summary>What one tolerance-window round costs over <paramref name="store"/>'s records with the API away.</summary>
    private static async Task<string> LivenessRoundsAsync(RecordStore store, int n)
    {
        using var engine = new PolicyEngine(new PolicyEngineOptions { Directory = Path.Combine(PolicyBenchmarks.FindRepoRoot(), "policies") },
            NullLogger<PolicyEngine>.Instance, TimeProvider.System);
        engine.Reload();
        using var meter = new Meter("bench.liveness." + Guid.NewGuid().ToString("N"));
        var api = new ApiView(store, null, () => [new OfflineApi()], TimeProvider.System);
        using var liveness = new NodeLiveness(store, api, engine, null, null, () => [], TimeProvider.System, NullLogger.Instance, meter, TimeSpan.FromSeconds(5));
        liveness.Start();
        var clock = Stopwatch.StartNew();
        await liveness.EvaluateAsync(CancellationToken.None);
        var full = clock.Elapsed;
        clock.Restart();
        await liveness.EvaluateAsync(CancellationToken.None);
        var next = clock.Elapsed;
        if (liveness.Retired.Count != 0) throw new InvalidOperationException("nodes heard seconds ago were retired");
        return string.Create(CultureInfo.InvariantCulture, $"| {n:N0} | {full.TotalMilliseconds:0} ms | {next.TotalMilliseconds:0.0} ms |");
    }

    /// <summary>A kubernetes catalog source that has lost its API (the tolerance window's condition).</summary>
    private sealed class OfflineApi : ICatalogSource
    {
        public string Name => ApiView.KubernetesSource;

        public bool Synced => true;

        public DateTimeOffset? LastSync => null;

        public bool Connected => false;

        public DateTimeOffset? ConnectedChangedAt { get; } = DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// Converged exchanges between two directory services on real libp2p nodes, the connection passing
    /// through a counting TCP relay; bytes per exchange, sorted.
    /// </summary>
    private static async Task<List<long>> Libp2pRoundsAsync(RecordStore a, RecordStore b, int rounds)
    {
        await using var nodeA = await BenchNode.StartAsync(a, "bench-a");
        await using var nodeB = await BenchNode.StartAsync(b, "bench-b");
        using var relay = new CountingRelay(nodeB.Port);
        var peerB = nodeB.Node.LocalPeer.PeerId;
        await nodeA.Node.Host!.DialAsync(Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{relay.Port}/p2p/{peerB}"), CancellationToken.None);
        // The first exchange warms up the stream paths; both stores already agree.
        if (!await nodeA.Sync.ExchangeAsync(peerB.ToString(), CancellationToken.None)) throw new InvalidOperationException("libp2p exchange failed: " + nodeA.Tracker.Get(peerB.ToString())?.Error);
        var bytes = new List<long>();
        for (var i = 0; i < rounds; i++)
        {
            var before = relay.Total;
            if (!await nodeA.Sync.ExchangeAsync(peerB.ToString(), CancellationToken.None)) throw new InvalidOperationException("libp2p exchange failed");
            var state = nodeA.Tracker.Get(peerB.ToString())!;
            if (state.Reconcile != 1 || state.Sent + state.Accepted != 0) throw new InvalidOperationException($"not a converged range-sync round: {state}");
            // The responder's half-close and the stream's last frames may still be in flight.
            await Task.Delay(200);
            bytes.Add(relay.Total - before);
        }
        bytes.Sort();
        return bytes;
    }

    /// <summary>A tunnel.libp2p node on loopback with a directory service over an existing store (no identity record, no peer events: exchanges run when asked).</summary>
    private sealed class BenchNode : IAsyncDisposable
    {
        private readonly string _dir;

        private BenchNode(string dir, Libp2pNodeService node, DirectorySyncService sync, SyncTracker tracker)
        {
            _dir = dir;
            Node = node;
            Sync = sync;
            Tracker = tracker;
        }

        public Libp2pNodeService Node { get; }

        public DirectorySyncService Sync { get; }

        public SyncTracker Tracker { get; }

        public int Port => int.Parse(Node.Host!.ListenAddresses[0].ToString().Split('/')[4], CultureInfo.InvariantCulture);

        public static async Task<BenchNode> StartAsync(RecordStore store, string name)
        {
            var dir = Directory.CreateTempSubdirectory("pm-directory-bench-").FullName;
            var node = new Libp2pNodeService(new Libp2pOptions
            {
                KeyFile = Path.Combine(dir, name + ".key"),
                Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
                HolePunch = false,
                AutoNat = new() { Enabled = false },
                IdleTimeoutSeconds = 0,
            }, NullLoggerFactory.Instance);
            await node.StartAsync(CancellationToken.None);
            var tracker = new SyncTracker(TimeProvider.System);
            var sync = new DirectorySyncService(store, DirectoryOptions.Default, name, null, new MeshTunnel(node), null, tracker, TimeProvider.System, NullLogger.Instance);
            await sync.StartAsync(CancellationToken.None);
            return new BenchNode(dir, node, sync, tracker);
        }

        public async ValueTask DisposeAsync()
        {
            await Sync.DisposeAsync();
            await Node.DisposeAsync();
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>Forwards one TCP connection to a port and counts the bytes both ways.</summary>
    private sealed class CountingRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private long _total;

        public CountingRelay(int target)
        {
            _listener.Start();
            _ = RunAsync(target);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public long Total => Interlocked.Read(ref _total);

        private async Task RunAsync(int target)
        {
            using var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            using var outbound = new TcpClient();
            await outbound.ConnectAsync(IPAddress.Loopback, target, _stop.Token);
            await Task.WhenAny(PumpAsync(inbound.GetStream(), outbound.GetStream()), PumpAsync(outbound.GetStream(), inbound.GetStream()));
        }

        private async Task PumpAsync(Stream from, Stream to)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int n;
                while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
                {
                    Interlocked.Add(ref _total, n);
                    await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The bench closed the nodes.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }

    private static RecordStore NewStore() =>
        new(null, TimeProvider.System, NullLogger.Instance, new Meter("bench.directory." + Guid.NewGuid().ToString("N")),
            StoreOptions.Default with { Admission = AdmissionOptions.Unlimited });

    private static SignedNodeRecord Sign(PrivateKey key, int index, long sequence, DateTimeOffset expires)
    {
        var octets = string.Create(CultureInfo.InvariantCulture, $"10.{(index >> 16) & 0xFF}.{(index >> 8) & 0xFF}.{index & 0xFF}");
        var record = new NodeRecord("edge-" + index.ToString(CultureInfo.InvariantCulture), key.PeerId,
            [Multiaddr.Parse($"/ip4/{octets}/tcp/4001/p2p/{key.PeerId}")], [], [], sequence, expires,
            new Dictionary<string, string> { ["topology.kubernetes.io/zone"] = "zone-" + (index % 50).ToString(CultureInfo.InvariantCulture) });
        return RecordCodec.Sign(record, key.PublicKey.Protobuf, d => key.Sign(d));
    }

    /// <summary>One exchange that <paramref name="initiator"/> opens and <paramref name="server"/> serves, over a fresh loopback TCP connection.</summary>
    private static async Task<Wire> ExchangeAsync(RecordStore initiator, RecordStore server, bool v1)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptSocketAsync();
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var accepted = await accepting;
        accepted.NoDelay = true;
        var mine = new CountingStream(new NetworkStream(client, ownsSocket: false));
        var theirs = new CountingStream(new NetworkStream(accepted, ownsSocket: false));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var serving = new SyncExchange(server).ServeAsync(theirs, HalfClose(accepted), "initiator", timeout.Token);
        var counts = v1
            ? await new SyncExchange(initiator).InitiateAsync(mine, HalfClose(client), "server", timeout.Token)
            : await new SyncExchange(initiator).ReconcileAsync(mine, HalfClose(client), "server", timeout.Token);
        await serving;
        return new Wire(mine.Written, theirs.Written, mine.Frames + theirs.Frames, counts);
    }

    private static Func<CancellationToken, ValueTask> HalfClose(Socket socket) => _ =>
    {
        socket.Shutdown(SocketShutdown.Send);
        return ValueTask.CompletedTask;
    };

    private sealed record Wire(long Sent, long Received, int Frames, ExchangeCounts Counts)
    {
        public long Total => Sent + Received;
    }

    /// <summary>Counts the bytes and the writes (one per frame: FrameIo writes each frame at once) that pass.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public int Frames { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written += buffer.Length;
            Frames++;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
