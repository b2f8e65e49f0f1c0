using System.Globalization;
using Microsoft.Extensions.Logging;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class CorruptFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("cache.db");

    private string JournalPath => _dir.File("cache-log.db");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> UnusableFiles() =>
        ["random bytes", "zero length", "text file", "shorter than a page", "truncated real database", "future format version"];

    [Theory]
    [MemberData(nameof(UnusableFiles))]
    public async Task Open_UnusableFile_MovesItAsideUnchangedAndStartsEmpty(string kind)
    {
        await WriteUnusableFileAsync(kind);
        var original = await File.ReadAllBytesAsync(DbPath);
        var logger = new ListLogger<LiteDbStateCache>();

        using var cache = TestCaches.Open(DbPath, logger);

        var movedTo = cache.Info.RecoveredFrom;
        Assert.NotNull(movedTo);
        Assert.StartsWith(DbPath + ".corrupt-", movedTo, StringComparison.Ordinal);
        Assert.Equal(original, await File.ReadAllBytesAsync(movedTo));
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(DbPath, warning.Message, StringComparison.Ordinal);
        Assert.Contains(movedTo, warning.Message, StringComparison.Ordinal);

        var peers = cache.Collection<EndpointEntry>("peers");
        Assert.Empty(peers.GetAll());
        await peers.UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));
        Assert.Equal(1, cache.ChangeSequence);
        await cache.CloseAsync();

        using var reopened = TestCaches.Open(DbPath);
        Assert.Null(reopened.Info.RecoveredFrom);
        Assert.Equal("10.0.0.1", reopened.Collection<EndpointEntry>("peers").Get("p")!.Address);
    }

    [Fact]
    public async Task Open_GarbledPagesBehindValidHeader_MovesAsideAndStartsEmpty()
    {
        await CreateRealDatabaseAsync();
        var bytes = await File.ReadAllBytesAsync(DbPath);
        // Keep the header page, overwrite every other page: only opening and reading back can tell.
        new Random(7).NextBytes(bytes.AsSpan(CacheFileCheck.PageSize));
        await File.WriteAllBytesAsync(DbPath, bytes);
        var logger = new ListLogger<LiteDbStateCache>();

        using var cache = TestCaches.Open(DbPath, logger);

        Assert.StartsWith(DbPath + ".corrupt-", cache.Info.RecoveredFrom, StringComparison.Ordinal);
        // Kept exactly as found: LiteDB never had it open for writing (it would have marked it).
        Assert.Equal(bytes, await File.ReadAllBytesAsync(cache.Info.RecoveredFrom!));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains(cache.Info.RecoveredFrom!, StringComparison.Ordinal));
        Assert.Empty(cache.Collection<EndpointEntry>("peers").GetAll());
        Assert.Equal(0, cache.ChangeSequence);
    }

    [Fact]
    public async Task Open_GarbageJournalBesideGoodFile_MovesOnlyTheJournalAside_BeforeLiteDbWritesItsPagesIntoTheFile()
    {
        await CreateRealDatabaseAsync();
        var length = new FileInfo(DbPath).Length;
        var journal = new byte[CacheFileCheck.PageSize * 3];
        new Random(11).NextBytes(journal);
        await File.WriteAllBytesAsync(JournalPath, journal);
        var logger = new ListLogger<LiteDbStateCache>();

        using (var cache = TestCaches.Open(DbPath, logger))
        {
            Assert.Equal(400, cache.Collection<StreamEntry>("peers").Count);
            Assert.Equal(400, cache.Collection<StreamEntry>("peers").GetAll().Count);
            Assert.Equal(1, cache.ChangeSequence);

            // LiteDB would take random pages whose "confirmed" byte happens to be set as confirmed
            // transactions and, at its next checkpoint, write them at their random page ids into
            // the data file (a 16 TB sparse file was seen). Every page header is checked first.
            var recovery = cache.Recovery!;
            Assert.Equal(CacheRecovery.JournalDropped, recovery.Outcome);
            Assert.StartsWith(JournalPath + ": journal page 0 (byte 0)", recovery.Problem, StringComparison.Ordinal);
            Assert.StartsWith(JournalPath + ".corrupt-", recovery.MovedTo, StringComparison.Ordinal);
            Assert.Equal(journal, await File.ReadAllBytesAsync(recovery.MovedTo!));
            var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
            Assert.Contains(JournalPath, warning.Message, StringComparison.Ordinal);
            await cache.CloseAsync();
        }

        Assert.Equal(length, new FileInfo(DbPath).Length);
    }

    [Fact]
    public async Task Open_JournalWithGarbledCommittedPages_MovesOnlyTheJournalAndKeepsTheFile()
    {
        const int batchSize = 50;
        RunStreamChildUntil(batchSize, "committed 4");
        long checkpointed;
        using (var settle = TestCaches.Open(DbPath))
        {
            // A clean close checkpoints the journal into the data file.
            checkpointed = settle.ChangeSequence;
            await settle.CloseAsync();
        }

        Assert.False(File.Exists(JournalPath));
        RunStreamChildUntil(batchSize, $"committed {checkpointed + 4}");
        var journal = await File.ReadAllBytesAsync(JournalPath);
        var random = new Random(5);
        for (var page = 0; page < journal.Length / CacheFileCheck.PageSize; page++)
        {
            // Page headers (first 32 bytes) stay intact, so LiteDB still trusts the confirmed
            // transactions and only reading their content fails.
            random.NextBytes(journal.AsSpan((page * CacheFileCheck.PageSize) + 32, CacheFileCheck.PageSize - 32));
        }

        await File.WriteAllBytesAsync(JournalPath, journal);
        var logger = new ListLogger<LiteDbStateCache>();

        using var cache = TestCaches.Open(DbPath, logger);

        Assert.StartsWith(JournalPath + ".corrupt-", cache.Info.RecoveredFrom, StringComparison.Ordinal);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(cache.Info.RecoveredFrom!, warning.Message, StringComparison.Ordinal);
        Assert.Equal(checkpointed, cache.ChangeSequence);
        StreamWrites.Verify(cache, batchSize);
    }

    private void RunStreamChildUntil(int batchSize, string line)
    {
        using var child = ChildRunner.Start("stream", DbPath, batchSize.ToString(CultureInfo.InvariantCulture));
        while (child.ReadLine() != line)
        {
        }

        child.KillHard();
    }

    [Fact]
    public async Task Open_JournalWithoutDataFile_MovesJournalAside()
    {
        await File.WriteAllBytesAsync(JournalPath, new byte[CacheFileCheck.PageSize * 2]);

        using var cache = TestCaches.Open(DbPath);

        Assert.StartsWith(JournalPath + ".corrupt-", cache.Info.RecoveredFrom, StringComparison.Ordinal);
        Assert.False(File.Exists(JournalPath) && new FileInfo(JournalPath).Length > 0);
        Assert.Empty(cache.Collection<EndpointEntry>("peers").GetAll());
    }

    [Fact]
    public async Task Open_UnusableFileTwiceInOneSecond_KeepsBothCopies()
    {
        await File.WriteAllTextAsync(DbPath, "first");
        using (var first = TestCaches.Open(DbPath))
        {
            await first.CloseAsync();
        }

        await File.WriteAllTextAsync(DbPath, "second");
        using var second = TestCaches.Open(DbPath);

        var copies = Directory.GetFiles(_dir.Path, "cache.db.corrupt-*").Select(File.ReadAllText).Order(StringComparer.Ordinal);
        Assert.Equal(["first", "second"], copies);
    }

    private async Task WriteUnusableFileAsync(string kind)
    {
        switch (kind)
        {
            case "random bytes":
                var random = new byte[CacheFileCheck.PageSize * 8];
                new Random(42).NextBytes(random);
                await File.WriteAllBytesAsync(DbPath, random);
                break;
            case "zero length":
                await File.WriteAllBytesAsync(DbPath, []);
                break;
            case "text file":
                await File.WriteAllTextAsync(DbPath, string.Concat(Enumerable.Repeat("apiVersion: v1\nkind: ConfigMap\n", 1000)));
                break;
            case "shorter than a page":
                await CreateRealDatabaseAsync();
                Truncate(CacheFileCheck.PageSize / 2);
                break;
            case "truncated real database":
                await CreateRealDatabaseAsync();
                Truncate(new FileInfo(DbPath).Length / 2);
                break;
            case "future format version":
                await CreateRealDatabaseAsync();
                var bytes = await File.ReadAllBytesAsync(DbPath);
                bytes[59] = 9;
                await File.WriteAllBytesAsync(DbPath, bytes);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private void Truncate(long length)
    {
        using var stream = new FileStream(DbPath, FileMode.Open);
        stream.SetLength(length);
    }

    // A closed LiteDB file has its journal checkpointed into it, so the file alone is the database.
    // These tests are about a cache without a usable backup (CacheBackupTests has the others), so
    // the backup the cache takes at start is removed.
    private async Task CreateRealDatabaseAsync()
    {
        using var cache = TestCaches.Open(DbPath);
        var peers = cache.Collection<StreamEntry>("peers");
        await peers.UpsertManyAsync(Enumerable.Range(0, 400).Select(i =>
            new KeyValuePair<string, StreamEntry>($"p{i:D4}", new StreamEntry(1, 0, i, new string('y', 200)))));
        await cache.CloseAsync();
        Assert.False(File.Exists(JournalPath));
        File.Delete(CacheBackup.PathFor(DbPath));
    }
}
