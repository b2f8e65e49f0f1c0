using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

/// <summary>
/// The fsync policy on a real LiteDB file, with every fsync recorded (and still performed) so the
/// tests see which file is flushed and what waits for it. FsyncSyscallTests checks the real
/// syscalls with strace.
/// </summary>
public sealed class JournalSyncTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RecordingFileSync _files = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File("cache.db");

    private string JournalPath => _dir.File("cache-log.db");

    /// <summary>Opens the cache and waits for its start-up backup (which fsyncs its copy), so held or failing fsyncs meet only the writes.</summary>
    private LiteDbStateCache Open(CacheSyncMode mode, int intervalMs = 1000)
    {
        var cache = TestCaches.Open(new CacheOptions(DbPath, CacheOptions.DefaultMaxDocumentBytes)
        {
            Sync = mode,
            SyncInterval = TimeSpan.FromMilliseconds(intervalMs),
            BackupInterval = TimeSpan.Zero,
        }, files: _files);
        Eventually.True(() => cache.Status.Backup.Last is not null, "the start-up backup");
        return cache;
    }

    [Fact]
    public async Task Always_AWriteCompletesOnlyAfterAnFsyncOfTheJournal()
    {
        using var cache = Open(CacheSyncMode.Always);
        var peers = cache.Collection<EndpointEntry>("peers");
        await peers.UpsertAsync("warm", new EndpointEntry("10.0.0.9", 1, null));
        var before = _files.FileSyncs(JournalPath);

        _files.Hold();
        var write = peers.UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null)).AsTask();
        await Eventually.TrueAsync(() => _files.FileSyncs(JournalPath) == before + 1, "the write's fsync started");
        await Task.Delay(200);
        Assert.False(write.IsCompleted, "the write completed before its fsync did");
        // Committed already: readers see it while it is being made durable.
        Assert.Equal("10.0.0.1", peers.Get("p")!.Address);

        _files.Release();
        await write;
        Assert.True(cache.Status.Sync.DurableSequence >= cache.ChangeSequence);
    }

    [Fact]
    public async Task Always_WritersThatCommitDuringAnFsync_ShareTheNextOne()
    {
        using var cache = Open(CacheSyncMode.Always);
        var peers = cache.Collection<EndpointEntry>("peers");
        await peers.UpsertAsync("warm", new EndpointEntry("10.0.0.9", 1, null));
        var before = _files.FileSyncs(JournalPath);

        _files.Hold();
        var first = peers.UpsertAsync("first", new EndpointEntry("10.0.0.1", 1, null)).AsTask();
        await Eventually.TrueAsync(() => _files.FileSyncs(JournalPath) == before + 1, "the first write's fsync started");
        var others = Enumerable.Range(0, 8).Select(i => peers.UpsertAsync($"p{i}", new EndpointEntry("10.0.1." + i, 1, null)).AsTask()).ToList();
        await Eventually.TrueAsync(() => cache.ChangeSequence == 10, "all eight committed while the first fsync is held");
        Assert.All(others, w => Assert.False(w.IsCompleted));

        _files.Release();
        await Task.WhenAll([first, .. others]);

        // One fsync for the first write, one shared by the eight that committed while it ran.
        Assert.Equal(before + 2, _files.FileSyncs(JournalPath));
        Assert.Equal(10, cache.Status.Sync.DurableSequence);
    }

    [Fact]
    public async Task Always_AFailedFsync_FailsTheWriteNamingTheJournal_CountsIt_AndTheNextWriteWorks()
    {
        using var cache = Open(CacheSyncMode.Always);
        var peers = cache.Collection<EndpointEntry>("peers");
        await peers.UpsertAsync("warm", new EndpointEntry("10.0.0.9", 1, null));

        _files.Fail("Input/output error");
        var ex = await Assert.ThrowsAsync<PluginMeshException>(() => peers.UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null)).AsTask());
        Assert.Equal("sync cache", ex.Action);
        Assert.Contains(JournalPath, ex.Detail, StringComparison.Ordinal);
        Assert.Contains("Input/output error", ex.Detail, StringComparison.Ordinal);
        Assert.Equal(1, cache.Status.Sync.Failures);
        Assert.Contains("Input/output error", cache.Status.Sync.LastError, StringComparison.Ordinal);

        _files.Fail(null);
        await peers.UpsertAsync("q", new EndpointEntry("10.0.0.2", 1, null));
        Assert.Null(cache.Status.Sync.LastError);
        Assert.Equal(cache.ChangeSequence, cache.Status.Sync.DurableSequence);
    }

    [Fact]
    public async Task Periodic_WritesDoNotWait_AndTheJournalIsFsyncedOnceAnIntervalWhileItChanges()
    {
        using var cache = Open(CacheSyncMode.Periodic, intervalMs: 100);
        var peers = cache.Collection<EndpointEntry>("peers");

        _files.Hold();
        // Completes although every fsync is held: nothing waits for the disk.
        await peers.UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        _files.Release();
        await Eventually.TrueAsync(() => cache.Status.Sync.DurableSequence == 1, "the timer made the write durable");
        Assert.True(_files.FileSyncs(JournalPath) >= 1);

        // Nothing written: nothing synced.
        var settled = _files.FileSyncs(JournalPath);
        await Task.Delay(500);
        Assert.Equal(settled, _files.FileSyncs(JournalPath));
        Assert.Equal("periodic", cache.Status.Sync.Mode);
        Assert.Equal(100, cache.Status.Sync.IntervalMs);
    }

    [Fact]
    public async Task Os_NeverFsyncsTheCacheFiles()
    {
        using var cache = Open(CacheSyncMode.Os);
        var peers = cache.Collection<EndpointEntry>("peers");
        for (var i = 0; i < 20; i++) await peers.UpsertAsync($"p{i}", new EndpointEntry("10.0.0.1", 1, null));
        await Task.Delay(300);

        // Backups still fsync their own copy (a backup that is not on disk is no backup).
        Assert.DoesNotContain(_files.Calls, c => c.Path == JournalPath || c.Path == DbPath);
        Assert.Equal(-1, cache.Status.Sync.DurableSequence);
    }

    [Theory]
    [InlineData(CacheSyncMode.Always)]
    [InlineData(CacheSyncMode.Periodic)]
    public async Task Open_MakesWhatTheLastRunLeftDurable_AndSyncsTheDirectory(CacheSyncMode mode)
    {
        using (var first = Open(CacheSyncMode.Os))
        {
            await first.Collection<EndpointEntry>("peers").UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));
            await first.CloseAsync();
        }

        using var cache = Open(mode);

        // A clean close folded the journal in: the data file is fsynced, and its directory.
        Assert.Contains(("file", DbPath), _files.Calls);
        Assert.Contains(("directory", _dir.Path), _files.Calls);
        Assert.Equal(1, cache.Status.Sync.DurableSequence);
    }
}
