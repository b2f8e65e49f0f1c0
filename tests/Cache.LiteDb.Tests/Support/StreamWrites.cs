using System.Globalization;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>The deterministic write stream of the kill -9 test and its consistency check.</summary>
public static class StreamWrites
{
    public const string StreamCollection = "stream";
    public const string SnapshotCollection = "snapshot";

    // Big enough that a batch spans several LiteDB pages, so a kill can land inside one.
    private static readonly string Payload = new('x', 300);

    public static long BatchOf(long write) => write % 2 == 1 ? (write - 1) / 2 : (write - 2) / 2;

    public static int SnapshotSize(long write) => 10 + (int)(BatchOf(write) % 7);

    public static string Key(long batch, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"b{batch:D6}-{index:D4}");

    public static IEnumerable<KeyValuePair<string, StreamEntry>> Batch(long write, int batchSize)
    {
        var batch = BatchOf(write);
        for (var i = 0; i < batchSize; i++)
        {
            yield return new(Key(batch, i), new StreamEntry(write, batch, i, Payload));
        }
    }

    public static IEnumerable<KeyValuePair<string, StreamEntry>> Snapshot(long write)
    {
        var batch = BatchOf(write);
        for (var i = 0; i < SnapshotSize(write); i++)
        {
            yield return new(string.Create(CultureInfo.InvariantCulture, $"s{i:D3}"), new StreamEntry(write, batch, i, Payload));
        }
    }

    /// <summary>
    /// Asserts the cache holds exactly writes 1..ChangeSequence: every batch whole or absent,
    /// never a part, and the snapshot from the last even write.
    /// </summary>
    public static void Verify(IStateCache cache, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var sequence = cache.ChangeSequence;
        var batches = (sequence + 1) / 2;

        var stream = cache.Collection<StreamEntry>(StreamCollection).GetAll();
        Assert.Equal(batches * batchSize, stream.Count);
        var expectedKeys = Enumerable.Range(0, (int)batches)
            .SelectMany(b => Enumerable.Range(0, batchSize).Select(i => Key(b, i)));
        Assert.Equal(expectedKeys, stream.Select(e => e.Key));
        Assert.All(stream, e => Assert.Equal(e.Value.Batch * 2 + 1, e.Value.Write));

        var snapshot = cache.Collection<StreamEntry>(SnapshotCollection).GetAll();
        var replaces = sequence / 2;
        if (replaces == 0)
        {
            Assert.Empty(snapshot);
            return;
        }

        var lastReplace = replaces * 2;
        Assert.Equal(SnapshotSize(lastReplace), snapshot.Count);
        Assert.All(snapshot, e => Assert.Equal(lastReplace, e.Value.Write));
    }
}
