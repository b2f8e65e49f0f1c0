using System.Globalization;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.ChildProcess;

/// <summary>
/// Entry point when the test assembly runs as a second process (see <see cref="ChildRunner"/>):
/// <c>hold &lt;path&gt;</c> opens a cache and keeps it until stdin closes;
/// <c>stream &lt;path&gt; &lt;batchSize&gt;</c> writes forever, printing each committed write;
/// <c>write &lt;path&gt; &lt;count&gt; &lt;sync&gt; &lt;syncIntervalMs&gt;</c> makes that many single upserts with that
/// fsync policy, waits two intervals, closes and prints how long the writes took.
/// </summary>
public static class ChildProgram
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args)
        {
            case ["hold", var path]:
                await HoldAsync(path).ConfigureAwait(false);
                return 0;
            case ["stream", var path, var batchSize]:
                await StreamAsync(path, int.Parse(batchSize, CultureInfo.InvariantCulture)).ConfigureAwait(false);
                return 0;
            case ["write", var path, var count, var sync, var intervalMs]:
                await WriteAsync(path, int.Parse(count, CultureInfo.InvariantCulture), sync, int.Parse(intervalMs, CultureInfo.InvariantCulture)).ConfigureAwait(false);
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: hold <path> | stream <path> <batchSize> | write <path> <count> <sync> <syncIntervalMs>").ConfigureAwait(false);
                return 2;
        }
    }

    private static async Task HoldAsync(string path)
    {
        using var cache = TestCaches.Open(path);
        Console.WriteLine("ready");
        Console.Out.Flush();
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await cache.CloseAsync().ConfigureAwait(false);
    }

    private static async Task WriteAsync(string path, int count, string sync, int intervalMs)
    {
        var options = CacheOptions.Read(
            DictionaryConfiguration.Of(("path", path), ("sync", sync), ("syncIntervalMs", intervalMs.ToString(CultureInfo.InvariantCulture)), ("backupIntervalSeconds", "0")),
            null, (key, message) => throw new ArgumentException($"{key}: {message}"));
        using var cache = TestCaches.Open(options);
        var peers = cache.Collection<EndpointEntry>("peers");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < count; i++) await peers.UpsertAsync($"p{i}", new EndpointEntry("10.0.0." + (i % 250), 4001, null)).ConfigureAwait(false);
        var elapsed = watch.ElapsedMilliseconds;
        await Task.Delay(2 * intervalMs).ConfigureAwait(false);
        await cache.CloseAsync().ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {count} in {elapsed} ms"));
    }

    // Write n (1-based, continuing from the stored change sequence) is an UpsertMany of batch
    // (n-1)/2 into "stream" when n is odd, and a ReplaceAll of "snapshot" tagged with batch
    // (n-2)/2 when n is even; StreamWrites.Verify checks a reopened file against that rule.
    private static async Task StreamAsync(string path, int batchSize)
    {
        using var cache = TestCaches.Open(path);
        var stream = cache.Collection<StreamEntry>(StreamWrites.StreamCollection);
        var snapshot = cache.Collection<StreamEntry>(StreamWrites.SnapshotCollection);
        for (var write = cache.ChangeSequence + 1; ; write++)
        {
            if (write % 2 == 1) await stream.UpsertManyAsync(StreamWrites.Batch(write, batchSize)).ConfigureAwait(false);
            else await snapshot.ReplaceAllAsync(StreamWrites.Snapshot(write)).ConfigureAwait(false);

            // Printed only after the write's task completed: everything acknowledged here must
            // survive the kill that follows.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"committed {write}"));
            Console.Out.Flush();
        }
    }
}
