using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

/// <summary>
/// The last-good copy on real LiteDB files: a cache file damaged in different places opens from its
/// backup with every document the backup held; the damaged file is kept aside unchanged; logs,
/// status and metrics say what happened.
/// </summary>
public sealed class CacheBackupTests : IDisposable
{
    private const int Peers = 300;
    private const int Services = 40;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File("cache.db");

    private string BackupPath => _dir.File("cache.db.backup");

    private CacheOptions Options(TimeSpan? backupInterval = null) =>
        new(DbPath, CacheOptions.DefaultMaxDocumentBytes) { BackupInterval = backupInterval ?? TimeSpan.Zero };

    public static TheoryData<string> Damage() =>
    [
        "zero length", "one page left", "half the file left", "last page cut short", "header page garbled",
        "a middle page garbled", "the last page garbled", "every page behind the header garbled", "random bytes", "a text file", "deleted",
    ];

    [Theory]
    [MemberData(nameof(Damage))]
    public async Task Open_DamagedFile_StartsFromTheBackup_WithEveryDocumentItHeld(string damage)
    {
        var backup = await WriteBackUpThenWriteMoreAsync();
        var damaged = Corrupt(damage);
        var logger = new ListLogger<LiteDbStateCache>();
        using var meter = new Meter("test.backup." + Guid.NewGuid().ToString("N"));
        var outcomes = new List<string>();
        using var listener = Listen(meter, "pluginmesh.cache.recoveries", "outcome", outcomes);

        using var cache = TestCaches.Open(Options(), logger, meter);

        var recovery = cache.Recovery;
        Assert.NotNull(recovery);
        Assert.Equal(CacheRecovery.RestoredFromBackup, recovery.Outcome);
        Assert.StartsWith(DbPath + ":", recovery.Problem, StringComparison.Ordinal);
        Assert.Equal(BackupPath, recovery.Backup!.Path);
        Assert.Equal(backup.ChangeSequence, recovery.Backup.ChangeSequence);
        Assert.Equal(Peers + Services, recovery.Backup.Documents);
        AssertHoldsTheBackedUpDocuments(cache, backup.ChangeSequence);
        Assert.Equal([CacheRecovery.RestoredFromBackup], outcomes);

        // The damaged file is kept as it was, for inspection; a deleted one cannot be.
        if (damaged is null)
        {
            Assert.Null(recovery.MovedTo);
        }
        else
        {
            Assert.StartsWith(DbPath + ".corrupt-", recovery.MovedTo, StringComparison.Ordinal);
            Assert.Equal(damaged, await File.ReadAllBytesAsync(recovery.MovedTo!));
        }

        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(DbPath, warning.Message, StringComparison.Ordinal);
        Assert.Contains(BackupPath, warning.Message, StringComparison.Ordinal);
        Assert.Contains($"{Peers + Services} documents", warning.Message, StringComparison.Ordinal);
        if (recovery.MovedTo is { } movedTo) Assert.Contains(movedTo, warning.Message, StringComparison.Ordinal);

        var status = cache.Status;
        Assert.Same(recovery, status.Recovery);
        Assert.Equal(recovery.MovedTo, status.RecoveredFrom);
        Assert.Equal(recovery.Backup, status.Backup.Last);

        // The restored cache is a working cache, and the backup is still there.
        await cache.Collection<EndpointEntry>("peers").UpsertAsync("after", new EndpointEntry("10.9.9.9", 1, null));
        await cache.CloseAsync();
        Assert.True(File.Exists(BackupPath));
        using var reopened = TestCaches.Open(Options());
        Assert.Null(reopened.Recovery);
        Assert.Equal("10.9.9.9", reopened.Collection<EndpointEntry>("peers").Get("after")!.Address);
        Assert.Equal(Peers + 1, reopened.Collection<EndpointEntry>("peers").Count);
    }

    [Fact]
    public async Task Open_DamagedFileAndDamagedBackup_StartsEmpty_KeepingBothAside_AndSaysWhy()
    {
        await WriteBackUpThenWriteMoreAsync();
        Corrupt("half the file left");
        var backupBytes = await File.ReadAllBytesAsync(BackupPath);
        new Random(3).NextBytes(backupBytes.AsSpan(CacheFileCheck.PageSize));
        await File.WriteAllBytesAsync(BackupPath, backupBytes);
        var logger = new ListLogger<LiteDbStateCache>();

        using var cache = TestCaches.Open(Options(), logger);

        var recovery = cache.Recovery!;
        Assert.Equal(CacheRecovery.StartedEmpty, recovery.Outcome);
        Assert.Contains($"the backup {BackupPath} is unusable too", recovery.BackupProblem, StringComparison.Ordinal);
        var backupAside = Assert.Single(Directory.GetFiles(_dir.Path, "cache.db.backup.corrupt-*"));
        Assert.Equal(backupBytes, await File.ReadAllBytesAsync(backupAside));
        Assert.Contains(backupAside, recovery.BackupProblem, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_dir.Path, "cache.db.corrupt-*"));
        Assert.Empty(cache.Collection<EndpointEntry>("peers").GetAll());
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("started an empty cache", warning.Message, StringComparison.Ordinal);
        Assert.Contains(backupAside, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_DamagedFileWithoutBackup_StartsEmpty_SayingThereIsNoBackup()
    {
        using (var first = TestCaches.Create(Options()))
        {
            // No backup yet: the first open's backup is taken in the background; delete it once done.
            first.Open();
            await Eventually.TrueAsync(() => first.Status.Backup.Last is not null, "the start-up backup");
            await first.Collection<EndpointEntry>("peers").UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));
            await first.CloseAsync();
        }

        File.Delete(BackupPath);
        Corrupt("random bytes");

        using var cache = TestCaches.Open(Options());

        Assert.Equal(CacheRecovery.StartedEmpty, cache.Recovery!.Outcome);
        Assert.Equal($"no backup at {BackupPath}", cache.Recovery.BackupProblem);
    }

    [Fact]
    public async Task Backup_AtStartAndOnTheInterval_OnlyWhenTheCacheChanged()
    {
        using var meter = new Meter("test.backup." + Guid.NewGuid().ToString("N"));
        var results = new List<string>();
        using var listener = Listen(meter, "pluginmesh.cache.backups", "result", results);
        using var cache = TestCaches.Open(Options(TimeSpan.FromMilliseconds(200)), meter: meter);

        await Eventually.TrueAsync(() => cache.Status.Backup.Last is not null, "the start-up backup");
        var peers = cache.Collection<EndpointEntry>("peers");
        await peers.UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));
        await Eventually.TrueAsync(() => cache.Status.Backup.Last?.ChangeSequence == 1, "a backup of the change");
        var taken = results.Count;
        await Task.Delay(1000);

        // Five intervals without a write: no new backup.
        Assert.Equal(taken, results.Count);
        Assert.All(results, r => Assert.Equal("ok", r));
        using var restored = OpenCopyOf(BackupPath);
        Assert.Equal("10.0.0.1", restored.Collection<EndpointEntry>("peers").Get("p")!.Address);
    }

    [Fact]
    public async Task Backup_ThatFails_KeepsThePreviousBackup_AndSaysWhy()
    {
        var files = new RecordingFileSync();
        using var cache = TestCaches.Open(Options(), files: files);
        await Eventually.TrueAsync(() => cache.Status.Backup.Last is not null, "the start-up backup");
        var peers = cache.Collection<EndpointEntry>("peers");
        await peers.UpsertAsync("p", new EndpointEntry("10.0.0.1", 1, null));
        var good = await cache.BackupNowAsync(CancellationToken.None);
        Assert.NotNull(good);
        var goodBytes = await File.ReadAllBytesAsync(BackupPath);

        await peers.UpsertAsync("q", new EndpointEntry("10.0.0.2", 1, null));
        files.Fail("No space left on device");
        Assert.Null(await cache.BackupNowAsync(CancellationToken.None));
        files.Fail(null);

        Assert.Equal(goodBytes, await File.ReadAllBytesAsync(BackupPath));
        Assert.False(File.Exists(BackupPath + ".tmp"));
        Assert.Equal(good, cache.Status.Backup.Last);
        Assert.Contains("No space left on device", cache.Status.Backup.LastError, StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes <see cref="Peers"/> peers and <see cref="Services"/> services, backs up, writes ten
    /// more peers that the backup does not hold, and closes (the journal is folded in at close).
    /// </summary>
    private async Task<BackupInfo> WriteBackUpThenWriteMoreAsync()
    {
        using var cache = TestCaches.Open(Options());
        // The start-up backup first, so it cannot land after the late writes.
        await Eventually.TrueAsync(() => cache.Status.Backup.Last is not null, "the start-up backup");
        await cache.Collection<EndpointEntry>("peers").UpsertManyAsync(Enumerable.Range(0, Peers)
            .Select(i => new KeyValuePair<string, EndpointEntry>($"peer{i:D4}", new EndpointEntry($"10.1.{i / 250}.{i % 250}", 4001, "node-" + i))));
        await cache.Collection<ServiceEntry>("services").UpsertManyAsync(Enumerable.Range(0, Services)
            .Select(i => new KeyValuePair<string, ServiceEntry>($"ns/svc{i}", Service(i))));
        var backup = await cache.BackupNowAsync(CancellationToken.None);
        Assert.NotNull(backup);
        Assert.Equal(Peers + Services, backup.Documents);
        await cache.Collection<EndpointEntry>("peers").UpsertManyAsync(Enumerable.Range(0, 10)
            .Select(i => new KeyValuePair<string, EndpointEntry>($"late{i}", new EndpointEntry("10.2.0." + i, 4001, null))));
        await cache.CloseAsync();
        return backup;
    }

    private static ServiceEntry Service(int i) =>
        new("svc" + i, ["80/TCP", "443/TCP"], new Dictionary<string, string> { ["app"] = "svc" + i }, i % 3 == 0 ? null : i,
            new DateTimeOffset(2026, 1, 1, 0, 0, i, TimeSpan.Zero), [new EndpointEntry("10.244.0." + i, 8080, "node-a")]);

    private static void AssertHoldsTheBackedUpDocuments(LiteDbStateCache cache, long sequence)
    {
        Assert.Equal(sequence, cache.ChangeSequence);
        var peers = cache.Collection<EndpointEntry>("peers").GetAll();
        Assert.Equal(Peers, peers.Count);
        for (var i = 0; i < Peers; i++)
        {
            Assert.Equal($"peer{i:D4}", peers[i].Key);
            Assert.Equal(new EndpointEntry($"10.1.{i / 250}.{i % 250}", 4001, "node-" + i), peers[i].Value);
        }

        var services = cache.Collection<ServiceEntry>("services");
        Assert.Equal(Services, services.Count);
        for (var i = 0; i < Services; i++)
        {
            var s = services.Get($"ns/svc{i}")!;
            var expected = Service(i);
            Assert.Equal((expected.Name, expected.Weight, expected.SeenAt), (s.Name, s.Weight, s.SeenAt));
            Assert.Equal(expected.Ports, s.Ports);
            Assert.Equal(expected.Labels, s.Labels);
            Assert.Equal(expected.Endpoints, s.Endpoints);
        }
    }

    /// <summary>Damages the closed cache file; returns its bytes afterwards (null when deleted).</summary>
    private byte[]? Corrupt(string damage)
    {
        var bytes = File.ReadAllBytes(DbPath);
        var pages = bytes.Length / CacheFileCheck.PageSize;
        Assert.True(pages >= 4, $"the test file has {pages} pages; the damage cases need at least 4");
        var random = new Random(damage.Length);
        switch (damage)
        {
            case "zero length": bytes = []; break;
            case "one page left": bytes = bytes[..CacheFileCheck.PageSize]; break;
            case "half the file left": bytes = bytes[..(pages / 2 * CacheFileCheck.PageSize)]; break;
            case "last page cut short": bytes = bytes[..^100]; break;
            case "header page garbled": random.NextBytes(bytes.AsSpan(0, CacheFileCheck.PageSize)); break;
            case "a middle page garbled": random.NextBytes(bytes.AsSpan(pages / 2 * CacheFileCheck.PageSize, CacheFileCheck.PageSize)); break;
            case "the last page garbled": random.NextBytes(bytes.AsSpan((pages - 1) * CacheFileCheck.PageSize)); break;
            case "every page behind the header garbled": random.NextBytes(bytes.AsSpan(CacheFileCheck.PageSize)); break;
            case "random bytes": random.NextBytes(bytes); break;
            case "a text file": bytes = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("kind: ConfigMap\n", 2000))); break;
            case "deleted":
                File.Delete(DbPath);
                return null;
            default: throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }

        File.WriteAllBytes(DbPath, bytes);
        return bytes;
    }

    /// <summary>Opens a copy of a backup (never the backup itself: opening may write to a file).</summary>
    private LiteDbStateCache OpenCopyOf(string backup)
    {
        var copy = _dir.File("copy-" + Guid.NewGuid().ToString("N")[..8] + ".db");
        File.Copy(backup, copy);
        return TestCaches.Open(new CacheOptions(copy, CacheOptions.DefaultMaxDocumentBytes) { BackupInterval = TimeSpan.Zero, Sync = CacheSyncMode.Os });
    }

    private static MeterListener Listen(Meter meter, string instrumentName, string tag, List<string> values)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter && instrument.Name == instrumentName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == tag) lock (values) values.Add((string)t.Value!);
            }
        });
        listener.Start();
        return listener;
    }
}
