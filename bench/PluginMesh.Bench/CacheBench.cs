using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Cache.LiteDb;

namespace PluginMesh.Bench;

/// <summary>
/// <c>cache</c> mode (issue 14): what each <c>cache.litedb</c> <c>sync</c> mode costs a writer. For each
/// mode (<c>os</c> first, the baseline: LiteDB alone) a fresh cache file in <c>--dir</c> takes
/// <c>--writes</c> single upserts of a ~<c>--doc-bytes</c> JSON value, from one writer and then from
/// <c>--writers</c> concurrent writers (each awaiting its own upserts in turn), <c>--reps</c>
/// repetitions interleaved over the modes. Reported per mode: p50/p99/max upsert latency (from the
/// call to the completion of the task: commit, plus the fsync in <c>always</c>), upserts/s, and the
/// ratio to <c>os</c> in the same repetition. Also the raw fsync latency of an 8 KiB append in the
/// same directory, for scale. Backups are off during the runs (their cost is not per write).
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- cache [--writes 2000] [--writers 8]
/// [--reps 3] [--doc-bytes 200] [--interval-ms 1000] [--dir /var/tmp]
/// </summary>
internal static class CacheBench
{
    private static readonly CacheSyncMode[] Modes = [CacheSyncMode.Os, CacheSyncMode.Periodic, CacheSyncMode.Always];

    public static async Task<int> RunAsync(string[] args)
    {
        var writes = 2000;
        var writers = 8;
        var reps = 3;
        var docBytes = 200;
        var intervalMs = CacheOptions.DefaultSyncIntervalMs;
        var dir = Path.GetTempPath();
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--writes": writes = Int(args, ++i); break;
                case "--writers": writers = Int(args, ++i); break;
                case "--reps": reps = Int(args, ++i); break;
                case "--doc-bytes": docBytes = Int(args, ++i); break;
                case "--interval-ms": intervalMs = Int(args, ++i); break;
                case "--dir": dir = args[++i]; break;
                default:
                    await Console.Error.WriteLineAsync($"cache: unknown option {args[i]}");
                    return 2;
            }
        }

        var root = Path.Combine(dir, "pluginmesh-cache-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cache bench: {writes} upserts of ~{docBytes} B per run, 1 and {writers} writers, {reps} reps, periodic interval {intervalMs} ms, dir {root}, load {LoadAverage()}"));
            Console.WriteLine(FsyncBaseline(root));
            var results = new Dictionary<(CacheSyncMode, int), List<Run>>();
            for (var rep = 0; rep < reps; rep++)
            {
                foreach (var concurrency in new[] { 1, writers })
                {
                    foreach (var mode in Modes)
                    {
                        var run = await RunOnceAsync(root, mode, intervalMs, writes, concurrency, docBytes);
                        if (!results.TryGetValue((mode, concurrency), out var list)) results[(mode, concurrency)] = list = [];
                        list.Add(run);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  rep {rep + 1} {Name(mode),-8} writers {concurrency,2}: p50 {run.P50:0.000} ms  p99 {run.P99:0.000} ms  max {run.Max:0.0} ms  {run.PerSecond,8:0} upserts/s"));
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine("| sync | writers | p50 ms | p99 ms | upserts/s | upserts/s ÷ os (same rep) |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var concurrency in new[] { 1, writers })
            {
                foreach (var mode in Modes)
                {
                    var runs = results[(mode, concurrency)];
                    var baseline = results[(CacheSyncMode.Os, concurrency)];
                    var ratios = runs.Select((r, i) => r.PerSecond / baseline[i].PerSecond).ToList();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {Name(mode)} | {concurrency} | {Median(runs.Select(r => r.P50)):0.000} | {Median(runs.Select(r => r.P99)):0.000} | {Median(runs.Select(r => r.PerSecond)):0} | {Median(ratios):0.00} ({string.Join(", ", ratios.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}) |"));
                }
            }

            Console.WriteLine($"load after: {LoadAverage()}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed record Run(double P50, double P99, double Max, double PerSecond);

    private static async Task<Run> RunOnceAsync(string root, CacheSyncMode mode, int intervalMs, int writes, int concurrency, int docBytes)
    {
        var path = Path.Combine(root, $"{Name(mode)}-{concurrency}-{Guid.NewGuid().ToString("N")[..6]}.db");
        var options = new CacheOptions(path, CacheOptions.DefaultMaxDocumentBytes)
        {
            Sync = mode,
            SyncInterval = TimeSpan.FromMilliseconds(intervalMs),
            BackupInterval = TimeSpan.Zero,
        };
        using var meter = new Meter("bench.cache." + Guid.NewGuid().ToString("N"));
        var cache = new LiteDbStateCache(options, NullLogger<LiteDbStateCache>.Instance, TimeProvider.System, meter);
        cache.Open();
        try
        {
            var collection = cache.Collection<BenchValue>("peers");
            var payload = new string('x', docBytes);
            // Warm-up: JIT, the journal's creation, the start-up backup out of the way.
            for (var i = 0; i < 50; i++) await collection.UpsertAsync("warm" + i, new BenchValue("10.0.0.1", 4001, payload));

            var latencies = new double[writes];
            var next = -1;
            var total = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < writes)
                {
                    var started = Stopwatch.GetTimestamp();
                    await collection.UpsertAsync("k" + (i % 500).ToString(CultureInfo.InvariantCulture), new BenchValue("10.0." + (i % 250), i, payload));
                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
            })));
            var seconds = total.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            return new Run(latencies[writes / 2], latencies[(int)(writes * 0.99)], latencies[^1], writes / seconds);
        }
        finally
        {
            await cache.CloseAsync();
            cache.Dispose();
        }
    }

    /// <summary>Raw cost of what <c>always</c> adds: fsync after an 8 KiB append, 200 times, in the bench directory.</summary>
    private static string FsyncBaseline(string root)
    {
        var path = Path.Combine(root, "fsync-baseline");
        var page = new byte[8192];
        var times = new double[200];
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            for (var i = 0; i < times.Length; i++)
            {
                file.Write(page);
                var started = Stopwatch.GetTimestamp();
                file.Flush(flushToDisk: true);
                times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }

        File.Delete(path);
        Array.Sort(times);
        return string.Create(CultureInfo.InvariantCulture,
            $"fsync of an 8 KiB append in {root}: p50 {times[times.Length / 2]:0.000} ms, p99 {times[(int)(times.Length * 0.99)]:0.000} ms");
    }

    private static string Name(CacheSyncMode mode) => mode.ToString().ToLowerInvariant();

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static int Int(string[] args, int i) =>
        i < args.Length && int.TryParse(args[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"cache: {args[i - 1]} needs a number");
}

/// <summary>The value the bench writes: about what a peer record holds, plus padding.</summary>
public sealed record BenchValue(string Address, int Port, string Padding);
