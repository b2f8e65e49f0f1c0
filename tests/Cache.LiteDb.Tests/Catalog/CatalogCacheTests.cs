using System.Net;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Catalog;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Catalog;

/// <summary><see cref="CatalogCache"/> on a real LiteDB file.</summary>
public sealed class CatalogCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("cache.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReplaceAsync_ThenRestoreAfterReopen_GivesTheSameState()
    {
        using (var cache = TestCaches.Open(DbPath))
        {
            await new CatalogCache(cache).ReplaceAsync("kubernetes", SampleCatalog.State.Reverse().ToList(), CancellationToken.None);
        }

        using var reopened = TestCaches.Open(DbPath);
        CatalogAssert.Same(SampleCatalog.State, new CatalogCache(reopened).Restore("kubernetes"));
    }

    [Fact]
    public Task ExternalIpsAndTrafficPolicy_KeptAcrossReopen_ByReplaceAndByApply() => ReplaceApplyReopenAsync(
        new(CatalogObjectKind.Service, "demo/edge", SampleCatalog.Edge),
        new(CatalogObjectKind.Service, "demo/edge-2", SampleCatalog.Edge with { Key = new ServiceKey("demo", "edge-2"), ExternalIps = null }));

    // An agent restarted with the API gone must still know which PeerId each node name is bound to.
    [Fact]
    public Task NodeAgent_KeptAcrossReopen_ByReplaceAndByApply() => ReplaceApplyReopenAsync(
        new(CatalogObjectKind.Node, "edge-a", SampleCatalog.EdgeAWithAgent),
        new(CatalogObjectKind.Node, "edge-c", SampleCatalog.EdgeAWithAgent with { Name = "edge-c", Agent = SampleCatalog.EdgeAAgent with { OffersRelay = false, Addresses = [] } }));

    // One value written by ReplaceAsync, one by ApplyAsync; both must read back after reopening the file.
    private async Task ReplaceApplyReopenAsync(CatalogChange replaced, CatalogChange applied)
    {
        using (var cache = TestCaches.Open(DbPath))
        {
            var catalog = new CatalogCache(cache);
            await catalog.ReplaceAsync("kubernetes", [replaced], CancellationToken.None);
            await catalog.ApplyAsync("kubernetes", [applied], CancellationToken.None);
        }

        using var reopened = TestCaches.Open(DbPath);
        CatalogAssert.Same([replaced, applied], new CatalogCache(reopened).Restore("kubernetes"));
    }

    [Fact]
    public async Task ReplaceAsync_DropsWhatTheNewStateLacks()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);
        await catalog.ReplaceAsync("file", SampleCatalog.State, CancellationToken.None);

        await catalog.ReplaceAsync("file", [new(CatalogObjectKind.Node, "edge-b", SampleCatalog.EdgeB)], CancellationToken.None);

        CatalogAssert.Same([new CatalogChange(CatalogObjectKind.Node, "edge-b", SampleCatalog.EdgeB)], catalog.Restore("file"));
    }

    [Fact]
    public async Task ApplyAsync_UpsertsValuesAndDeletesNulls()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);
        await catalog.ReplaceAsync("kubernetes", SampleCatalog.State, CancellationToken.None);
        var moved = SampleCatalog.WebEndpoints with { Endpoints = [new MeshEndpoint(IPAddress.Parse("10.244.3.3"), "edge-b", true, [])] };

        await catalog.ApplyAsync("kubernetes",
        [
            new(CatalogObjectKind.Service, "demo/db", null),
            new(CatalogObjectKind.Endpoints, "demo/web", moved),
            new(CatalogObjectKind.Node, "edge-a", null),
            new(CatalogObjectKind.Node, "edge-c", SampleCatalog.EdgeB with { Name = "edge-c" }),
        ], CancellationToken.None);

        CatalogAssert.Same(
        [
            new CatalogChange(CatalogObjectKind.Service, "demo/web", SampleCatalog.Web),
            new CatalogChange(CatalogObjectKind.Endpoints, "demo/web", moved),
            new CatalogChange(CatalogObjectKind.Node, "edge-b", SampleCatalog.EdgeB),
            new CatalogChange(CatalogObjectKind.Node, "edge-c", SampleCatalog.EdgeB with { Name = "edge-c" }),
        ], catalog.Restore("kubernetes"));
    }

    [Fact]
    public async Task ApplyAsync_ValueOfAnotherKind_IsIgnored()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);

        await catalog.ApplyAsync("file",
        [
            new(CatalogObjectKind.Node, "demo/web", SampleCatalog.Web),
            new(CatalogObjectKind.Service, "demo/web", "not a service"),
        ], CancellationToken.None);
        await catalog.ReplaceAsync("kubernetes", [new(CatalogObjectKind.Service, "demo/web", 42)], CancellationToken.None);

        Assert.Empty(catalog.Restore("file"));
        Assert.Empty(catalog.Restore("kubernetes"));
    }

    [Fact]
    public async Task Sources_AreKeptApart_InTheirOwnCollections()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);
        await catalog.ReplaceAsync("file", [new(CatalogObjectKind.Service, "demo/web", SampleCatalog.Web)], CancellationToken.None);

        await catalog.ReplaceAsync("kubernetes", [new(CatalogObjectKind.Node, "edge-a", SampleCatalog.EdgeA)], CancellationToken.None);

        CatalogAssert.Same([new CatalogChange(CatalogObjectKind.Service, "demo/web", SampleCatalog.Web)], catalog.Restore("file"));
        CatalogAssert.Same([new CatalogChange(CatalogObjectKind.Node, "edge-a", SampleCatalog.EdgeA)], catalog.Restore("kubernetes"));
        Assert.Equal(["file_catalog_endpoints", "file_catalog_nodes", "file_catalog_services", "kubernetes_catalog_endpoints", "kubernetes_catalog_nodes", "kubernetes_catalog_services"],
            cache.DocumentCounts().Keys);
        Assert.Empty(catalog.Restore("nothing_stored"));
    }

    [Fact]
    public async Task Restore_DocumentThatNoLongerDecodes_IsSkippedAndTheRestServed()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);
        await catalog.ReplaceAsync("file", SampleCatalog.State, CancellationToken.None);
        var edited = CatalogCacheCodec.Encode(SampleCatalog.Web) with { ClusterIps = ["10.96.0.999"] };
        await cache.Collection<CachedService>("file_catalog_services").UpsertAsync("demo/web", edited);

        var restored = catalog.Restore("file");

        CatalogAssert.Same(SampleCatalog.State.Where(c => !ReferenceEquals(c.Value, SampleCatalog.Web)).ToList(), restored);
    }

    private static readonly MeshResource Gateway = new(new ResourceKey("networking.istio.io", "Gateway", "demo", "gw"), "networking.istio.io/v1",
        """{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"gw","namespace":"demo"},"spec":{"servers":[{"port":{"number":80}}]}}""");

    private static readonly MeshResource Secret = new(new ResourceKey("", "Secret", "istio-system", "cert"), "v1",
        """{"apiVersion":"v1","kind":"Secret","metadata":{"name":"cert","namespace":"istio-system"},"type":"kubernetes.io/tls","data":{"tls.crt":"Q0VSVA=="}}""");

    private static CatalogChange Change(MeshResource resource) => new(CatalogObjectKind.Resource, resource.Key.ToString(), resource);

    // An agent cut off from the API must keep its gateway configuration across a restart.
    [Fact]
    public Task Resources_KeptAcrossReopen_ByReplaceAndByApply_JsonUnchanged() => ReplaceApplyReopenAsync(Change(Gateway), Change(Secret));

    [Fact]
    public async Task Resources_ApplyNullDeletes_ReplaceDropsWhatTheStateLacks()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);
        await catalog.ReplaceAsync("kubernetes", [.. SampleCatalog.State, Change(Gateway), Change(Secret)], CancellationToken.None);

        await catalog.ApplyAsync("kubernetes", [new(CatalogObjectKind.Resource, Gateway.Key.ToString(), null)], CancellationToken.None);
        CatalogAssert.Same([.. SampleCatalog.State, Change(Secret)], catalog.Restore("kubernetes"));

        await catalog.ReplaceAsync("kubernetes", SampleCatalog.State, CancellationToken.None);
        CatalogAssert.Same(SampleCatalog.State, catalog.Restore("kubernetes"));
    }

    [Fact]
    public async Task Restore_CorruptResources_AreSkippedAndTheRestServed()
    {
        using var cache = TestCaches.Open(DbPath);
        var catalog = new CatalogCache(cache);
        await catalog.ReplaceAsync("file", [.. SampleCatalog.State, Change(Gateway), Change(Secret)], CancellationToken.None);
        var resources = cache.Collection<CachedResource>("file_catalog_resources");

        // JSON cut short, a document stored under another object's key, one without a name.
        await resources.UpsertAsync(Gateway.Key.ToString(), CatalogCacheCodec.Encode(Gateway) with { Json = """{"apiVersion":"networking.istio.io/v1","kind":"Gat""" });
        await resources.UpsertAsync("Gateway.networking.istio.io/demo/other", CatalogCacheCodec.Encode(Gateway));
        await resources.UpsertAsync("Gateway.networking.istio.io/demo/", CatalogCacheCodec.Encode(Gateway) with { Name = "" });

        CatalogAssert.Same([.. SampleCatalog.State, Change(Secret)], catalog.Restore("file"));
    }

    [Fact]
    public async Task Restore_ResourcesCollectionThatDoesNotRead_LeftOut_TheRestServed()
    {
        using (var cache = TestCaches.Open(DbPath))
        {
            await new CatalogCache(cache).ReplaceAsync("file", [.. SampleCatalog.State, Change(Gateway)], CancellationToken.None);
        }

        // The collection rewritten in another shape (as a future build could write it): a number where text is expected.
        using (var cache = TestCaches.Open(DbPath))
        {
            await cache.Collection<NumberDocument>("file_catalog_resources").UpsertAsync("Secret/istio-system/cert", new NumberDocument(42));
        }

        using var reopened = TestCaches.Open(DbPath);
        CatalogAssert.Same(SampleCatalog.State, new CatalogCache(reopened).Restore("file"));
    }

    private sealed record NumberDocument(int Kind);

    [Theory]
    [InlineData("bad source")]
    [InlineData("1file")]
    [InlineData("a_source_name_that_is_much_too_long_for_it_x")]
    public void Restore_SourceNameOutsideTheRule_IsPluginMeshException(string source)
    {
        using var cache = TestCaches.Open(DbPath);

        var ex = Assert.Throws<PluginMeshException>(() => new CatalogCache(cache).Restore(source));

        Assert.Contains("cache.litedb", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_LongestAllowedSourceName_Works()
    {
        using var cache = TestCaches.Open(DbPath);

        Assert.Empty(new CatalogCache(cache).Restore(new string('s', 42)));
    }
}
