using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class LiteDbStateCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("cache.db");

    public void Dispose() => _dir.Dispose();

    private static ServiceEntry Sample(string name, int? weight = 3) => new(
        name,
        ["80/TCP", "443/TCP"],
        new Dictionary<string, string> { ["app"] = name, ["tier"] = "edge" },
        weight,
        weight is null ? null : new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(1)),
        [new EndpointEntry("10.0.0.7", 8080, "node-a"), new EndpointEntry("10.0.1.9", 8080, null)]);

    private static void AssertSame(ServiceEntry expected, ServiceEntry? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Ports, actual.Ports);
        Assert.Equal(expected.Labels.OrderBy(kv => kv.Key), actual.Labels.OrderBy(kv => kv.Key));
        Assert.Equal(expected.Weight, actual.Weight);
        Assert.Equal(expected.SeenAt, actual.SeenAt);
        Assert.Equal(expected.Endpoints, actual.Endpoints);
    }

    [Fact]
    public async Task UpsertAsync_RecordWithListsDictionariesAndNulls_RoundTrips()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");

        await services.UpsertAsync("shop/web", Sample("web"));
        await services.UpsertAsync("shop/db", Sample("db", weight: null));

        AssertSame(Sample("web"), services.Get("shop/web"));
        AssertSame(Sample("db", weight: null), services.Get("shop/db"));
        Assert.Null(services.Get("shop/absent"));
    }

    [Fact]
    public async Task UpsertAsync_ExistingKey_ReplacesValueAndKeepsCount()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");

        await services.UpsertAsync("shop/web", Sample("web", 1));
        await services.UpsertAsync("shop/web", Sample("web", 2));

        Assert.Equal(2, services.Get("shop/web")!.Weight);
        Assert.Equal(1, services.Count);
        Assert.Equal(2, cache.ChangeSequence);
    }

    [Fact]
    public async Task Keys_DifferingOnlyInCase_StayDistinctAndOrderOrdinally()
    {
        using var cache = TestCaches.Open(DbPath);
        var peers = cache.Collection<EndpointEntry>("peers");

        await peers.UpsertManyAsync([
            new("Qmab", new EndpointEntry("10.0.0.2", 1, null)),
            new("QmAb", new EndpointEntry("10.0.0.1", 1, null)),
            new("b", new EndpointEntry("10.0.0.4", 1, null)),
            new("B", new EndpointEntry("10.0.0.3", 1, null)),
        ]);

        Assert.Equal(["B", "QmAb", "Qmab", "b"], peers.GetAll().Select(e => e.Key));
        Assert.Equal("10.0.0.1", peers.Get("QmAb")!.Address);
        Assert.Equal("10.0.0.2", peers.Get("Qmab")!.Address);
    }

    [Fact]
    public async Task DeleteAsync_PresentAndAbsent_ReportsAndBumpsSequenceOnlyWhenRemoved()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");
        await services.UpsertAsync("shop/web", Sample("web"));

        Assert.True(await services.DeleteAsync("shop/web"));
        Assert.False(await services.DeleteAsync("shop/web"));

        Assert.Null(services.Get("shop/web"));
        Assert.Equal(0, services.Count);
        Assert.Equal(2, cache.ChangeSequence);
    }

    [Fact]
    public async Task ReplaceAllAsync_DropsOldEntriesAndKeepsNewOnes()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");
        await services.UpsertManyAsync([new("a", Sample("a")), new("b", Sample("b")), new("c", Sample("c"))]);

        await services.ReplaceAllAsync([new("c", Sample("c", 9)), new("d", Sample("d"))]);

        Assert.Equal(["c", "d"], services.GetAll().Select(e => e.Key));
        Assert.Equal(9, services.Get("c")!.Weight);
        Assert.Equal(2, services.Count);
        Assert.Equal(2, cache.ChangeSequence);
    }

    [Fact]
    public async Task ChangeSequence_CountsCommittedWritesAcrossCollections()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");
        var peers = cache.Collection<EndpointEntry>("peers");

        await services.UpsertAsync("a", Sample("a"));
        await peers.UpsertManyAsync([new("p1", new EndpointEntry("10.0.0.1", 1, null)), new("p2", new EndpointEntry("10.0.0.2", 1, null))]);
        await peers.UpsertManyAsync([]);
        await services.ReplaceAllAsync([]);

        Assert.Equal(3, cache.ChangeSequence);
        Assert.Equal(3, cache.Info.ChangeSequence);
        Assert.Equal(new Dictionary<string, long> { ["catalog_services"] = 0, ["peers"] = 2 }, cache.Info.Documents);
    }

    [Fact]
    public async Task Reopen_AfterClose_KeepsEntriesCountsAndSequence()
    {
        using (var first = TestCaches.Open(DbPath))
        {
            var services = first.Collection<ServiceEntry>("catalog_services");
            await services.UpsertManyAsync([new("a", Sample("a")), new("b", Sample("b", null))]);
            await services.DeleteAsync("a");
            await first.CloseAsync();
        }

        using var second = TestCaches.Open(DbPath);
        var reopened = second.Collection<ServiceEntry>("catalog_services");
        Assert.Equal(["b"], reopened.GetAll().Select(e => e.Key));
        AssertSame(Sample("b", null), reopened.Get("b"));
        Assert.Equal(1, reopened.Count);
        Assert.Equal(2, second.ChangeSequence);
        Assert.Null(second.Info.RecoveredFrom);
    }

    [Fact]
    public async Task Collection_UsedBeforeOpen_OpensLazily()
    {
        using var cache = TestCaches.Create(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");
        Assert.False(File.Exists(DbPath));

        await services.UpsertAsync("a", Sample("a"));

        Assert.True(File.Exists(DbPath));
        cache.Open();
        Assert.Equal(1, services.Count);
    }

    [Fact]
    public async Task UpsertManyAsync_OneValueTooLarge_WritesNothing()
    {
        using var cache = TestCaches.Create(DbPath, maxDocumentBytes: 500);
        var services = cache.Collection<ServiceEntry>("catalog_services");
        var big = Sample(new string('n', 600));

        var ex = await Assert.ThrowsAsync<PluginMeshException>(async () =>
            await services.UpsertManyAsync([new("small", Sample("s")), new("big", big)]));

        Assert.StartsWith("[cache.litedb] write catalog_services: value for key 'big' is ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("maxDocumentBytes is 500", ex.Message, StringComparison.Ordinal);
        Assert.Empty(services.GetAll());
        Assert.Equal(0, cache.ChangeSequence);
    }

    [Fact]
    public async Task UpsertAsync_KeyTooLong_ThrowsNamingTheLimit()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");

        var ex = await Assert.ThrowsAsync<PluginMeshException>(async () =>
            await services.UpsertAsync(new string('k', 1001), Sample("a")));

        Assert.Contains("keys hold at most 1000 UTF-8 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpsertAsync_CancelledBeforeStart_WritesNothing()
    {
        using var cache = TestCaches.Open(DbPath);
        var services = cache.Collection<ServiceEntry>("catalog_services");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await services.UpsertAsync("a", Sample("a"), new CancellationToken(canceled: true)));

        Assert.Null(services.Get("a"));
        Assert.Equal(0, cache.ChangeSequence);
    }

    [Fact]
    public async Task Writes_FromManyThreads_AllCommitWithOneSequenceEach()
    {
        using var cache = TestCaches.Open(DbPath);
        var peers = cache.Collection<EndpointEntry>("peers");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await peers.UpsertAsync($"p{t}-{i:D2}", new EndpointEntry("10.0.0.1", i, null));
            }
        })));

        Assert.Equal(200, peers.Count);
        Assert.Equal(200, peers.GetAll().Count);
        Assert.Equal(200, cache.ChangeSequence);
    }

    [Fact]
    public void Collection_SameNameDifferentType_Throws()
    {
        using var cache = TestCaches.Create(DbPath);
        cache.Collection<ServiceEntry>("peers");

        var ex = Assert.Throws<PluginMeshException>(() => cache.Collection<EndpointEntry>("peers"));

        Assert.Equal("[cache.litedb] open collection peers: already used with type ServiceEntry, asked for EndpointEntry", ex.Message);
    }

    [Theory]
    [InlineData("_meta")]
    [InlineData("$indexes")]
    [InlineData("1peers")]
    [InlineData("peers-v2")]
    [InlineData("")]
    public void Collection_InvalidName_Throws(string name)
    {
        using var cache = TestCaches.Create(DbPath);

        var ex = Assert.Throws<PluginMeshException>(() => cache.Collection<EndpointEntry>(name));

        Assert.Contains("name must start with a letter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ValueStoredAsAnotherShape_ThrowsNamingKeyAndType()
    {
        using (var writer = TestCaches.Open(DbPath))
        {
            await writer.Collection<ServiceEntry>("catalog_services").UpsertAsync("a", Sample("a"));
        }

        using var reader = TestCaches.Open(DbPath);
        var ex = Assert.Throws<PluginMeshException>(() => reader.Collection<List<string>>("catalog_services").Get("a"));

        Assert.StartsWith("[cache.litedb] read catalog_services: value for key 'a' does not read as List`1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CloseAsync_Twice_IsSafeAndLaterUseThrows()
    {
        var cache = TestCaches.Open(DbPath);
        await cache.CloseAsync();
        await cache.CloseAsync();
        cache.Dispose();

        var ex = Assert.Throws<PluginMeshException>(() => cache.Collection<ServiceEntry>("catalog_services").Get("a"));
        Assert.Equal($"[cache.litedb] open cache: {DbPath} was closed (the plugin stopped)", ex.Message);
    }
}
