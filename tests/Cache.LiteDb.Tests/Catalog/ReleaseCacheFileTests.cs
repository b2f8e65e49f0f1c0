using LiteDB;
using PluginMesh.Plugins.Cache.LiteDb.Catalog;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Catalog;

/// <summary>
/// An agent upgraded over an existing cache file must still serve it: these are the exact documents
/// the released catalog plugins (0.1.0, when each kept its own copy of the cache code) wrote for
/// <see cref="SampleCatalog"/> as source <c>kubernetes</c>, copied from such a file.
/// </summary>
public sealed class ReleaseCacheFileTests : IDisposable
{
    private static readonly (string Collection, string Key, long Sequence, string Json)[] ReleaseDocuments =
    [
        ("kubernetes_catalog_endpoints", "demo/web", 2, """
            {"namespace":"demo","name":"web","endpoints":[{"address":"10.244.1.5","nodeName":"edge-a","ready":true,"ports":[{"name":"http","port":8080,"protocol":"Tcp"}],"hostname":null},{"address":"10.244.2.7","nodeName":null,"ready":false,"ports":[{"name":"","port":8080,"protocol":"Tcp"}],"hostname":"web-1"}]}
            """),
        ("kubernetes_catalog_nodes", "edge-a", 3, """
            {"name":"edge-a","podCidrs":["10.244.1.0/24"],"addresses":["192.168.1.10"],"labels":{"zone":"shop-1"}}
            """),
        ("kubernetes_catalog_nodes", "edge-b", 3, """
            {"name":"edge-b","podCidrs":[],"addresses":[],"labels":null}
            """),
        ("kubernetes_catalog_services", "demo/db", 1, """
            {"namespace":"demo","name":"db","clusterIps":[],"ports":[{"name":"","port":5432,"protocol":"Tcp","targetPort":5432,"targetPortName":null,"nodePort":null}],"headless":true,"affinity":"None","affinityTimeoutSeconds":10800,"loadBalancer":null,"labels":null}
            """),
        ("kubernetes_catalog_services", "demo/web", 1, """
            {"namespace":"demo","name":"web","clusterIps":["10.96.0.10","fd00::a"],"ports":[{"name":"http","port":80,"protocol":"Tcp","targetPort":8080,"targetPortName":null,"nodePort":null},{"name":"dns","port":53,"protocol":"Udp","targetPort":0,"targetPortName":"dns-port","nodePort":30053}],"headless":false,"affinity":"ClientIP","affinityTimeoutSeconds":600,"loadBalancer":"LEAST_REQUEST","labels":{"app":"web","tier":"front"}}
            """),
    ];

    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("cache.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Restore_CacheFileWrittenByTheRelease_ServesEveryObject()
    {
        // Made the way the release made its files (ordinal collation, fixed at creation).
        using (var db = new LiteDatabase(CacheDatabaseOpener.ConnectionFor(DbPath)))
        {
            foreach (var (collection, key, sequence, json) in ReleaseDocuments)
                db.GetCollection(collection).Insert(new BsonDocument { ["_id"] = key, ["json"] = json, ["seq"] = sequence });
            db.GetCollection(LiteDbStateCache.MetaCollection).Insert(new BsonDocument { ["_id"] = "changeSequence", ["value"] = 3L });
        }

        using var cache = TestCaches.Open(DbPath);

        CatalogAssert.Same(SampleCatalog.State, new CatalogCache(cache).Restore("kubernetes"));
        Assert.Equal(3, cache.ChangeSequence);
    }

    [Fact]
    public async Task ReplaceAsync_WritesTheDocumentsTheReleaseWrote()
    {
        // So an agent rolled back to the release after an upgrade reads what the upgrade wrote.
        using (var cache = TestCaches.Open(DbPath))
        {
            await new CatalogCache(cache).ReplaceAsync("kubernetes", SampleCatalog.State, CancellationToken.None);
        }

        using var db = new LiteDatabase(CacheDatabaseOpener.ConnectionFor(DbPath));
        var written = ReleaseDocuments.Select(d => d.Collection).Distinct()
            .SelectMany(c => db.GetCollection(c).FindAll().Select(doc => (c, doc["_id"].AsString, doc["json"].AsString)))
            .ToList();
        Assert.Equal(ReleaseDocuments.Select(d => (d.Collection, d.Key, d.Json)), written);
    }
}
