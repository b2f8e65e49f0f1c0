using PluginMesh.P2p;
using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Client;

namespace PluginMesh.Bench;

/// <summary>
/// <c>relay</c> mode (issue 4): Circuit Relay v2 cost with C# nodes on loopback.
/// <list type="number">
/// <item>Throughput: <c>--mib</c> MiB one way over one stream into a sink, (a) over a direct connection
/// and (b) over a circuit through a C# relay (member limits unlimited), <c>--reps</c> repetitions
/// interleaved; MiB/s, relayed/direct, and the relay process's CPU seconds per GiB bridged.</item>
/// <item>Memory: <c>--circuits</c> idle circuits through one relay between <c>--peers</c> sources and
/// <c>--peers</c> targets; the relay's managed heap (GC.GetTotalMemory(true)) and RSS before, with them
/// open and after they closed, per circuit.</item>
/// </list>
/// The relay runs in a child process of this program (<c>relay-serve</c>), so its CPU time and memory
/// are its own; dialers and targets run in this process.
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- relay [--mib 256] [--reps 3]
/// [--circuits 200] [--peers 4] [--buffer-kib 64] [--burst-kib 0] [--skip-throughput] [--skip-memory] [--pin]
/// (<c>--burst-kib N</c>: every circuit echoes N KiB before its last 1-byte exchange and going idle;
/// <c>--pin</c>: this process — the dialers and targets, both the direct and the relayed ones — on CPU 0
/// and the relay process on CPU 1, as if the relay were another machine: the endpoints get the same one
/// core on either path, instead of the relay's work competing with theirs on the shared cores).
/// </summary>
internal static class RelayBench
{
    private const string SinkProtocol = "/pluginmesh/bench/sink/1.0.0";
    private const int ChunkSize = 256 * 1024;
    private const double MiB = 1024 * 1024;
    private const double GiB = 1024 * MiB;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "relay-serve") return await RelayServe.RunAsync(args[1..]);
        var mib = 256;
        var reps = 3;
        var circuits = 200;
        var peers = 4;
        var bufferKiB = 64;
        var burstKiB = 0;
        bool throughput = true, memory = true, pin = false;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--mib": mib = IntArg(args, ++i); break;
                case "--reps": reps = IntArg(args, ++i); break;
                case "--circuits": circuits = IntArg(args, ++i); break;
                case "--peers": peers = IntArg(args, ++i); break;
                case "--buffer-kib": bufferKiB = IntArg(args, ++i); break;
                case "--burst-kib": burstKiB = IntArg(args, ++i); break;
                case "--skip-throughput": throughput = false; break;
                case "--skip-memory": memory = false; break;
                case "--pin": pin = true; break;
                default:
                    await Console.Error.WriteLineAsync($"relay: unknown option {args[i]}");
                    return 2;
            }
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        if (pin && !await PinAsync($"-a -p -c 0 {Environment.ProcessId}")) return 1;
        Console.WriteLine($"relay bench: {Environment.ProcessorCount} cores, load {LoadAverage()}, .NET {Environment.Version}, bufferKiB {bufferKiB}"
            + (pin ? ", pinned: dialers+targets on CPU 0, relay on CPU 1" : ", unpinned: all processes share the cores"));
        RelayProcess.Pin = pin;
        if (throughput) await ThroughputAsync(mib, reps, bufferKiB, cts.Token);
        if (memory) await MemoryAsync(circuits, peers, bufferKiB, burstKiB, cts.Token);
        Console.WriteLine($"load at end {LoadAverage()}");
        return 0;
    }

    /// <summary>Runs <c>taskset</c> (util-linux) with <paramref name="arguments"/>; false (and why) when it fails.</summary>
    private static async Task<bool> PinAsync(string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("taskset", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var err = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync();
            if (p.ExitCode == 0) return true;
            await Console.Error.WriteLineAsync($"relay: --pin: taskset {arguments} failed: {err.Trim()}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            await Console.Error.WriteLineAsync($"relay: --pin needs taskset (util-linux): {e.Message}");
        }
        return false;
    }

    private static async Task ThroughputAsync(int mib, int reps, int bufferKiB, CancellationToken ct)
    {
        long bytes = (long)mib << 20;
        await using var relay = await RelayProcess.StartAsync(64, bufferKiB, ct);
        await using var target = await RelayBenchNode.StartAsync(RelayBenchNode.Reserving(relay.Address), cancellationToken: ct);
        using var sink = target.Tunnel.RegisterHandler(SinkProtocol, SinkAsync);
        await target.WaitReservedAsync(ct);
        await using var directDialer = await RelayBenchNode.StartAsync(null, cancellationToken: ct);
        await using var relayedDialer = await RelayBenchNode.StartAsync(null, dialCircuits: true, cancellationToken: ct);
        await using var rawTarget = await RelayBenchNode.StartAsync(RelayBenchNode.Reserving(relay.Address), new RawCircuitNetwork(sink: true), cancellationToken: ct);
        await rawTarget.WaitReservedAsync(ct);
        var direct = new PeerTarget(PeerId: target.PeerId, Addresses: [target.Address]);
        var circuit = new PeerTarget(PeerId: target.PeerId, Addresses: [Multiaddr.Circuit(relay.Address, target.PeerId)]);
        var rawCircuit = Multiaddr.Circuit(relay.Address, rawTarget.PeerId);

        // Connect and warm up (JIT up to tier 1 in all processes, yamux windows) on every path; the
        // timed transfers reuse the direct and relayed connections (a raw circuit is dialed per transfer).
        Expect(PathKind.Direct, (await SendAsync(directDialer, direct, 64 << 20, ct)).Path);
        Expect(PathKind.Relayed, (await SendAsync(relayedDialer, circuit, 64 << 20, ct)).Path);
        await SendRawAsync(relayedDialer, rawCircuit, 64 << 20, ct);
        await Task.Delay(1000, ct);

        Console.WriteLine();
        Console.WriteLine($"throughput: {mib} MiB one way over one stream into a sink, C# -> C# on loopback, {reps} reps interleaved");
        Console.WriteLine("  direct: TCP+Noise+Yamux; relayed: the agent's path, a circuit through the relay upgraded end to end with Noise+Yamux;");
        Console.WriteLine("  raw-circuit: the bare circuit (no inner Noise/Yamux), the relay's own ceiling. bench-cpu: dialer+target process.");
        Console.WriteLine("rep  path         MiB/s   seconds  bench-cpu-s  relay-cpu-s  relay-bridged-MiB");
        var directRates = new List<double>();
        var relayedRates = new List<double>();
        var rawRates = new List<double>();
        var relayCpuPerGiB = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (var rep = 1; rep <= reps; rep++)
        {
            foreach (var (name, dialer, peer, rates) in new[] { ("direct", directDialer, direct, directRates), ("relayed", relayedDialer, circuit, relayedRates), ("raw-circuit", relayedDialer, null, rawRates) })
            {
                var before = await relay.StatsAsync(ct);
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var result = peer is null ? (Seconds: await SendRawAsync(dialer, rawCircuit, bytes, ct), Path: PathKind.Relayed) : await SendAsync(dialer, peer, bytes, ct);
                self.Refresh();
                var benchCpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
                var after = await relay.StatsAsync(ct);
                Expect(name == "direct" ? PathKind.Direct : PathKind.Relayed, result.Path);
                var rate = bytes / MiB / result.Seconds;
                rates.Add(rate);
                var relayCpu = after.Cpu - before.Cpu;
                var bridged = after.Bytes - before.Bytes;
                if (name != "direct") relayCpuPerGiB.Add(relayCpu / (bridged / GiB));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{rep,3}  {name,-11} {rate,6:F1}  {result.Seconds,8:F2}  {benchCpu,11:F2}  {relayCpu,11:F2}  {bridged / MiB,17:F1}"));
            }
        }
        var d = Median(directRates);
        var r = Median(relayedRates);
        var w = Median(rawRates);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: direct {d:F1} MiB/s, relayed {r:F1} MiB/s, relayed/direct {100 * r / d:F0}% (per rep: {string.Join(", ", directRates.Zip(relayedRates, (x, y) => $"{100 * y / x:F0}%"))}); raw circuit {w:F1} MiB/s ({100 * w / d:F0}% of direct)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"relay CPU per GiB bridged (median over relayed and raw-circuit transfers): {Median(relayCpuPerGiB):F2} s"));
    }

    private static async Task MemoryAsync(int circuits, int peers, int bufferKiB, int burstKiB, CancellationToken ct)
    {
        await using var relay = await RelayProcess.StartAsync(circuits + 16, bufferKiB, ct);
        var targets = new List<(RelayBenchNode Node, RawCircuitNetwork Network)>();
        var sources = new List<RelayBenchNode>();
        var open = new List<ITransportConnection>();
        try
        {
            for (var i = 0; i < peers; i++)
            {
                var network = new RawCircuitNetwork();
                targets.Add((await RelayBenchNode.StartAsync(RelayBenchNode.Reserving(relay.Address), network, cancellationToken: ct), network));
                sources.Add(await RelayBenchNode.StartAsync(null, cancellationToken: ct));
            }
            foreach (var (t, _) in targets) await t.WaitReservedAsync(ct);
            Multiaddr CircuitTo(RelayBenchNode t) => Multiaddr.Circuit(relay.Address, t.PeerId);

            // Every source connects to the relay and every path is used once, then all circuits close.
            foreach (var s in sources)
            {
                foreach (var (t, _) in targets)
                {
                    await using var warm = await CircuitAsync(s.Tunnel, CircuitTo(t), ct);
                    await PingAsync(warm, ct);
                }
            }
            await relay.WaitCircuitsAsync(0, ct);
            var idle = await relay.StatsAsync(ct);

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < circuits; i++)
            {
                var s = sources[i % peers];
                var t = targets[(i / peers) % peers].Node;
                var connection = await CircuitAsync(s.Tunnel, CircuitTo(t), ct);
                open.Add(connection);
                if (burstKiB > 0) await EchoBurstAsync(connection, burstKiB * 1024, ct);
                await PingAsync(connection, ct);
            }
            var opening = watch.Elapsed.TotalSeconds;
            await relay.WaitCircuitsAsync(circuits, ct);
            await Task.Delay(1000, ct);
            var loaded = await relay.StatsAsync(ct);

            foreach (var c in open) await c.DisposeAsync();
            open.Clear();
            await relay.WaitCircuitsAsync(0, ct);
            await Task.Delay(1000, ct);
            var closed = await relay.StatsAsync(ct);

            Console.WriteLine();
            Console.WriteLine($"memory: {circuits} idle circuits through one relay ({peers} sources x {peers} targets, each circuit echoed {(burstKiB > 0 ? $"{burstKiB} KiB, then " : "")}1 byte, opened in {opening:F1} s)");
            Console.WriteLine("state            circuits  managed-heap-MiB  rss-MiB");
            foreach (var (name, st) in new[] { ("before", idle), ("circuits open", loaded), ("after close", closed) })
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-15}  {st.Circuits,8}  {st.Heap / MiB,16:F1}  {st.Rss / MiB,7:F1}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per circuit: managed heap {(loaded.Heap - idle.Heap) / (double)circuits / 1024:F1} KiB, RSS {(loaded.Rss - idle.Rss) / (double)circuits / 1024:F1} KiB (for scale: the bridge's two {bufferKiB} KiB read buffers, if held while idle, are {2 * bufferKiB} KiB)"));
        }
        finally
        {
            foreach (var c in open) await c.DisposeAsync();
            foreach (var s in sources) await s.DisposeAsync();
            foreach (var (t, _) in targets) await t.DisposeAsync();
        }
    }

    /// <summary>Writes <paramref name="bytes"/> into the sink and waits for its count: the time covers every byte arriving.</summary>
    private static async Task<(double Seconds, PathKind Path)> SendAsync(RelayBenchNode dialer, PeerTarget target, long bytes, CancellationToken ct)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var watch = Stopwatch.StartNew();
            var opened = await dialer.Tunnel.OpenStreamAsync(target, SinkProtocol, ct);
            await using var stream = opened.Ok ? opened.Stream : throw new InvalidOperationException("bench stream: " + opened.Error);
            for (long sent = 0; sent < bytes; sent += ChunkSize)
                await stream.Stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(ChunkSize, bytes - sent)), ct);
            await stream.CloseWriteAsync(ct);
            var ack = new byte[8];
            await stream.Stream.ReadExactlyAsync(ack, ct);
            var seconds = watch.Elapsed.TotalSeconds;
            var received = BinaryPrimitives.ReadInt64LittleEndian(ack);
            if (received != bytes) throw new InvalidOperationException($"sink received {received} bytes, sent {bytes}");
            return (seconds, stream.Remote.Path);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The same over a bare circuit to a <see cref="RawCircuitNetwork"/> sink: no Noise or Yamux at the ends.</summary>
    private static async Task<double> SendRawAsync(RelayBenchNode dialer, Multiaddr circuit, long bytes, CancellationToken ct)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var watch = Stopwatch.StartNew();
            await using var connection = await CircuitAsync(dialer.Tunnel, circuit, ct);
            for (long sent = 0; sent < bytes; sent += ChunkSize)
                await connection.Stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(ChunkSize, bytes - sent)), ct);
            await ((RelayedConnection)connection).CloseWriteAsync(ct);
            var ack = new byte[8];
            await connection.Stream.ReadExactlyAsync(ack, ct);
            var seconds = watch.Elapsed.TotalSeconds;
            var received = BinaryPrimitives.ReadInt64LittleEndian(ack);
            if (received != bytes) throw new InvalidOperationException($"raw sink received {received} bytes, sent {bytes}");
            return seconds;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async Task SinkAsync(IMeshStream stream, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            int n;
            while ((n = await stream.Stream.ReadAsync(buffer, ct)) > 0) total += n;
            var ack = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(ack, total);
            await stream.Stream.WriteAsync(ack, ct);
            await stream.CloseWriteAsync(ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A circuit through the relay (the relay client as a transport); the bench cannot go on without it.</summary>
    private static async Task<ITransportConnection> CircuitAsync(IMeshTunnel tunnel, Multiaddr circuit, CancellationToken ct)
    {
        var dialed = await new CircuitTransport(tunnel).DialAsync(circuit, ct);
        return dialed.Ok ? dialed.Connection : throw new InvalidOperationException("bench circuit: " + dialed.Error);
    }

    private static async Task PingAsync(ITransportConnection connection, CancellationToken ct)
    {
        var one = new byte[] { 42 };
        await connection.Stream.WriteAsync(one, ct);
        await connection.Stream.ReadExactlyAsync(one, ct);
    }

    /// <summary>A bulk echo through the circuit, so the relay's bridge sees data flowing before the circuit goes idle.</summary>
    private static async Task EchoBurstAsync(ITransportConnection connection, int bytes, CancellationToken ct)
    {
        var data = new byte[bytes];
        var reader = Task.Run(async () =>
        {
            var back = new byte[bytes];
            await connection.Stream.ReadExactlyAsync(back, ct);
        }, ct);
        await connection.Stream.WriteAsync(data, ct);
        await reader;
    }

    private static void Expect(PathKind expected, PathKind actual)
    {
        if (expected != actual) throw new InvalidOperationException($"expected a {expected} stream, got {actual}");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int IntArg(string[] args, int i) =>
        i < args.Length ? int.Parse(args[i], CultureInfo.InvariantCulture) : throw new ArgumentException($"relay: {args[i - 1]} needs a value");

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private sealed record RelayStats(long Heap, long Rss, double Cpu, int Circuits, long Bytes);

    /// <summary>The relay child process (this program in <c>relay-serve</c> mode) and its stats channel.</summary>
    private sealed class RelayProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private RelayProcess(Process process, string address)
        {
            _process = process;
            Address = Multiaddr.Parse(address);
        }

        public Multiaddr Address { get; }

        /// <summary>Start the relay on CPU 1 only (every thread it makes inherits the mask).</summary>
        public static bool Pin { get; set; }

        public static async Task<RelayProcess> StartAsync(int maxCircuits, int bufferKiB, CancellationToken ct)
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
            var start = new ProcessStartInfo { FileName = Pin ? "taskset" : self, RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Pin)
            {
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add("1");
                start.ArgumentList.Add(self);
            }
            // `dotnet PluginMesh.Bench.dll`: the host needs the assembly again.
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(RelayBench).Assembly.Location);
            foreach (var a in new[] { "relay-serve", "--max-circuits", maxCircuits.ToString(CultureInfo.InvariantCulture), "--buffer-kib", bufferKiB.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            var process = Process.Start(start) ?? throw new InvalidOperationException("relay-serve did not start");
            var line = await process.StandardOutput.ReadLineAsync(ct);
            if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
            {
                process.Kill();
                process.Dispose();
                throw new InvalidOperationException($"relay-serve: expected READY, got '{line}'");
            }
            return new RelayProcess(process, line["READY ".Length..]);
        }

        public async Task<RelayStats> StatsAsync(CancellationToken ct)
        {
            await _process.StandardInput.WriteLineAsync("stats".AsMemory(), ct);
            await _process.StandardInput.FlushAsync(ct);
            var line = await _process.StandardOutput.ReadLineAsync(ct) ?? throw new InvalidOperationException("relay-serve exited");
            var values = line.Split(' ').Skip(1).Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
            return new RelayStats(
                long.Parse(values["heap"], CultureInfo.InvariantCulture),
                long.Parse(values["rss"], CultureInfo.InvariantCulture),
                double.Parse(values["cpu"], CultureInfo.InvariantCulture),
                int.Parse(values["circuits"], CultureInfo.InvariantCulture),
                long.Parse(values["bytes"], CultureInfo.InvariantCulture));
        }

        public async Task WaitCircuitsAsync(int count, CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while ((await StatsAsync(ct)).Circuits != count)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"relay never reached {count} open circuits");
                await Task.Delay(200, ct);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                _process.Kill();
            }
            _process.Dispose();
        }
    }
}
