using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace PluginMesh.Bench.Tunnel;

/// <summary>
/// Plain timed runs of the libp2p tunnel, each against baselines measured in the same run: raw
/// loopback TCP (same transfers) and js-libp2p ↔ js-libp2p. Cases: 1 GiB over one stream, 1 GiB
/// over 8 parallel streams, 1-byte round trips (p50/p99), CPU seconds per GiB (process user+sys,
/// both ends), and memory per idle connection; plus one core's ChaCha20-Poly1305 speed from openssl,
/// the ceiling a single stream is compared with.
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- tunnel [--gib 1] [--samples 20000] [--idle 200] [--no-js]
///   [--reps 1] [--only raw,libp2p,js,openssl,idle] [--openssl-seconds 3] [--idle-hold SECONDS] [--json FILE]
/// </summary>
internal static class TunnelBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        var gib = double.Parse(Arg(args, "--gib") ?? "1", Inv);
        var bytes = (long)(gib * (1L << 30)) / 8 * 8;
        var samples = int.Parse(Arg(args, "--samples") ?? "20000", Inv);
        var idle = int.Parse(Arg(args, "--idle") ?? "200", Inv);
        var only = Arg(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool Runs(string part) => only is null || only.Contains(part);
        var withJs = !args.Contains("--no-js") && Runs("js");
        var reps = int.Parse(Arg(args, "--reps") ?? "1", Inv);
        var opensslSeconds = int.Parse(Arg(args, "--openssl-seconds") ?? "3", Inv);
        var root = FindRepoRoot();
        var loadBefore = LoadAverage();
        var started = DateTime.UtcNow;
        var results = new List<Measurement>();

        Console.Error.WriteLine($"tunnel bench: {bytes >> 20} MiB per transfer, {samples} round trips, {idle} idle connections");
        if (Runs("raw"))
        {
            await using var raw = await RawTcpTunnel.CreateAsync(8);
            results.AddRange(await MeasureInProcessAsync(raw, bytes, samples, reps));
        }
        if (Runs("libp2p"))
        {
            await using var libp2p = await Libp2pTunnel.CreateAsync();
            results.AddRange(await MeasureInProcessAsync(libp2p, bytes, samples, reps));
        }
        string? jsNote = null;
        if (withJs && JsBaseline.FindDirectory(root, out jsNote) is { } jsDir)
        {
            try
            {
                await using var js = await JsBaseline.StartAsync(jsDir);
                foreach (var (c, name) in new[] { ("one", "1 stream"), ("eight", "8 streams"), ("rtt", "rtt") })
                {
                    Console.Error.WriteLine($"  {JsBaseline.Name}: {name}");
                    var m = await js.MeasureAsync(c, bytes, samples);
                    results.Add(m with { Case = name });
                    Progress(results[^1]);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception or JsonException)
            {
                // The C# numbers are still worth printing.
                jsNote = "failed: " + e.Message;
            }
        }
        OpenSslChaCha.Result? openssl = null;
        string? opensslNote = null;
        if (Runs("openssl"))
        {
            Console.Error.WriteLine($"  openssl speed -evp chacha20-poly1305 -seconds {opensslSeconds}");
            openssl = await OpenSslChaCha.MeasureAsync(opensslSeconds, why => opensslNote = why);
            if (openssl is not null) Console.Error.WriteLine(FormattableString.Invariant($"    one core, 16 KiB blocks: {openssl.MiBPerSecond:0} MiB/s"));
        }
        else
        {
            opensslNote = "skipped (--only)";
        }
        IdleConnectionMemory.Result? memory = null;
        if (idle > 0 && Runs("idle"))
        {
            Console.Error.WriteLine("  idle connections");
            memory = await IdleConnectionMemory.MeasureAsync(idle, TimeSpan.FromSeconds(double.Parse(Arg(args, "--idle-hold") ?? "0", Inv)));
        }
        var report = Report(results, memory, openssl, opensslNote, loadBefore, LoadAverage(), started, withJs ? jsNote : "skipped");
        Console.WriteLine(report);
        if (Arg(args, "--json") is { } json)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
            {
                started,
                machine = Machine(),
                loadBefore,
                loadAfter = LoadAverage(),
                results = results.Select(r => new { r.Transport, r.Case, r.Seconds, r.Bytes, r.CpuSeconds, r.MiBPerSecond, r.CpuSecondsPerGiB, p50Us = r.P50, p99Us = r.P99 }),
                memory,
                openssl = openssl is null ? null : new { openssl.Version, bytesPerSecond16KiB = openssl.BytesPerSecond, halfCoreMiBPerSecond = openssl.MiBPerSecond / 2 },
                opensslNote,
            }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        }
        return 0;
    }

    /// <summary>Transfers <paramref name="reps"/> times each (the median by throughput is kept, every one is printed), then round trips.</summary>
    private static async Task<List<Measurement>> MeasureInProcessAsync(ITunnelUnderTest tunnel, long bytes, int samples, int reps)
    {
        // Warm-up (JIT, pools, window growth) outside the measurements.
        await tunnel.SendAsync(64L << 20, 1);
        await tunnel.SendAsync(64L << 20, 8);
        await tunnel.RoundTripsAsync(1000);
        var list = new List<Measurement>();
        foreach (var streams in new[] { 1, 8 })
        {
            Console.Error.WriteLine($"  {tunnel.Name}: {streams} stream(s)");
            var runs = new List<Measurement>();
            for (var rep = 0; rep < Math.Max(1, reps); rep++)
            {
                GC.Collect();
                var cpu = CpuClock.SelfSeconds();
                var watch = Stopwatch.StartNew();
                await tunnel.SendAsync(bytes, streams);
                watch.Stop();
                runs.Add(new Measurement(tunnel.Name, streams == 1 ? "1 stream" : "8 streams", watch.Elapsed.TotalSeconds, bytes, CpuClock.SelfSeconds() - cpu, []));
                Progress(runs[^1]);
            }
            list.Add(runs.OrderBy(r => r.MiBPerSecond).ElementAt(runs.Count / 2));
        }
        Console.Error.WriteLine($"  {tunnel.Name}: rtt");
        GC.Collect();
        var before = CpuClock.SelfSeconds();
        var clock = Stopwatch.StartNew();
        var rtt = await tunnel.RoundTripsAsync(samples);
        list.Add(new Measurement(tunnel.Name, "rtt", clock.Elapsed.TotalSeconds, 0, CpuClock.SelfSeconds() - before, rtt));
        Progress(list[^1]);
        return list;
    }

    /// <summary>Each result as it comes (stderr), so a run that fails later still shows what it measured.</summary>
    private static void Progress(Measurement m) => Console.Error.WriteLine(m.Bytes > 0
        ? FormattableString.Invariant($"    {m.Transport}, {m.Case}: {m.Seconds:0.00} s, {m.MiBPerSecond:0} MiB/s, {m.CpuSecondsPerGiB:0.00} CPU s/GiB")
        : FormattableString.Invariant($"    {m.Transport}, rtt: p50 {m.P50:0.0} µs, p99 {m.P99:0.0} µs over {m.RttMicros.Length}"));

    private static string Report(List<Measurement> results, IdleConnectionMemory.Result? memory, OpenSslChaCha.Result? openssl, string? opensslNote, string loadBefore, string loadAfter, DateTime started, string? jsNote)
    {
        Measurement? Get(string transport, string c) => results.FirstOrDefault(r => r.Transport == transport && r.Case == c);
        string F(double v, string format = "0.0") => double.IsNaN(v) ? "–" : v.ToString(format, Inv);
        string Ratio(double a, double b) => double.IsNaN(a) || double.IsNaN(b) || b == 0 ? "–" : (a / b).ToString("0.00", Inv) + "×";
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Tunnel benchmark, {started:yyyy-MM-dd HH:mm} UTC — {Machine()}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Load average before / after: {loadBefore} / {loadAfter}");
        if (jsNote is not null) sb.AppendLine(CultureInfo.InvariantCulture, $"js baseline: {jsNote}");
        if (openssl is not null) sb.AppendLine(CultureInfo.InvariantCulture, $"ChaCha20-Poly1305, one core, 16 KiB blocks ({openssl.Version}, openssl speed -evp): {openssl.MiBPerSecond:0} MiB/s; half of it: {openssl.MiBPerSecond / 2:0} MiB/s");
        else sb.AppendLine(CultureInfo.InvariantCulture, $"ChaCha20-Poly1305 reference: {opensslNote ?? "not measured"}");
        sb.AppendLine();
        sb.AppendLine("| measure | C# libp2p | raw TCP | js libp2p | C# ÷ raw TCP | C# ÷ js |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var c in new[] { "1 stream", "8 streams" })
        {
            var (cs, raw, js) = (Get("C# libp2p", c), Get("raw TCP", c), Get(JsBaseline.Name, c));
            double V(Measurement? m, Func<Measurement, double> f) => m is null ? double.NaN : f(m);
            var size = cs is null ? "" : $"{cs.Bytes >> 20} MiB";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {size}, {c}: MiB/s | {F(V(cs, m => m.MiBPerSecond), "0")} | {F(V(raw, m => m.MiBPerSecond), "0")} | {F(V(js, m => m.MiBPerSecond), "0")} | {Ratio(V(cs, m => m.MiBPerSecond), V(raw, m => m.MiBPerSecond))} | {Ratio(V(cs, m => m.MiBPerSecond), V(js, m => m.MiBPerSecond))} |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {size}, {c}: CPU s per GiB | {F(V(cs, m => m.CpuSecondsPerGiB), "0.00")} | {F(V(raw, m => m.CpuSecondsPerGiB), "0.00")} | {F(V(js, m => m.CpuSecondsPerGiB), "0.00")} | {Ratio(V(cs, m => m.CpuSecondsPerGiB), V(raw, m => m.CpuSecondsPerGiB))} | {Ratio(V(cs, m => m.CpuSecondsPerGiB), V(js, m => m.CpuSecondsPerGiB))} |");
        }
        var (rc, rr, rj) = (Get("C# libp2p", "rtt"), Get("raw TCP", "rtt"), Get(JsBaseline.Name, "rtt"));
        double P(Measurement? m, bool p99) => m is null ? double.NaN : p99 ? m.P99 : m.P50;
        foreach (var p99 in new[] { false, true })
        {
            var label = p99 ? "p99" : "p50";
            sb.AppendLine(CultureInfo.InvariantCulture, $"| 1-byte round trip {label}, µs | {F(P(rc, p99))} | {F(P(rr, p99))} | {F(P(rj, p99))} | {Ratio(P(rc, p99), P(rr, p99))} | {Ratio(P(rc, p99), P(rj, p99))} |");
        }
        if (Get("C# libp2p", "1 stream") is { } single && openssl is not null)
            sb.AppendLine(CultureInfo.InvariantCulture, $"| 1 stream ÷ half of one core's ChaCha20-Poly1305 ({openssl.MiBPerSecond / 2:0} MiB/s) | {Ratio(single.MiBPerSecond, openssl.MiBPerSecond / 2)} | | | | |");
        if (memory is not null)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| idle connection, GC heap (both ends) | {F(memory.HeapBytesPerConnection / 1024)} KiB | | | | |");
            sb.AppendLine(CultureInfo.InvariantCulture, $"| idle connection, RSS (both ends) | {F(memory.RssBytesPerConnection / 1024)} KiB | | | | |");
        }
        sb.AppendLine();
        if (memory is not null)
            sb.AppendLine(CultureInfo.InvariantCulture, $"Idle: {memory.Connections} connections; GC heap {memory.HeapBefore / 1048576:0.0} → {memory.HeapAfter / 1048576:0.0} MiB, RSS {memory.RssBefore / 1048576:0.0} → {memory.RssAfter / 1048576:0.0} MiB.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Round trips: {rc?.RttMicros.Length ?? rr?.RttMicros.Length ?? 0} samples each.");
        return sb.ToString();
    }

    private static string Machine()
    {
        var node = "";
        try
        {
            using var p = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true });
            node = ", node " + p!.StandardOutput.ReadToEnd().Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        return $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC{node}";
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginMesh.sln not found above " + AppContext.BaseDirectory);
    }
}
