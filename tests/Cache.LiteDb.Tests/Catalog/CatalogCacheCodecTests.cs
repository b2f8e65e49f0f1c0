using System.Net;
using System.Text.Json;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Cache.LiteDb.Catalog;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Catalog;

public sealed class CatalogCacheCodecTests
{
    [Fact]
    public void Encode_Service_WritesAddressesAndEnumsAsTextAndSortsLabels()
    {
        var doc = CatalogCacheCodec.Encode(SampleCatalog.Web);

        Assert.Equal(("demo", "web"), (doc.Namespace, doc.Name));
        Assert.Equal(["10.96.0.10", "fd00::a"], doc.ClusterIps);
        Assert.Equal(new CachedServicePort("dns", 53, "Udp", 0, "dns-port", 30053), doc.Ports[1]);
        Assert.Equal("ClientIP", doc.Affinity);
        // Sorted, so equal labels given in another order encode to the same JSON.
        Assert.Equal(["app", "tier"], doc.Labels!.Keys);
    }

    [Fact]
    public void EncodeThenDecode_EveryKind_GivesTheSameValues()
    {
        CatalogAssert.Same(SampleCatalog.Web, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.Web)));
        CatalogAssert.Same(SampleCatalog.Db, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.Db)));
        CatalogAssert.Same(SampleCatalog.Edge, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.Edge)));
        CatalogAssert.Same(SampleCatalog.WebEndpoints, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.WebEndpoints)));
        CatalogAssert.Same(SampleCatalog.EdgeA, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.EdgeA)));
        CatalogAssert.Same(SampleCatalog.EdgeB, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.EdgeB)));
        CatalogAssert.Same(SampleCatalog.EdgeAWithAgent, CatalogCacheCodec.Decode(CatalogCacheCodec.Encode(SampleCatalog.EdgeAWithAgent)));
    }

    [Fact]
    public void Encode_NodeAgent_AsTextBesideTheNode_AbsentWithoutOne()
    {
        var json = JsonSerializer.Serialize(CatalogCacheCodec.Encode(SampleCatalog.EdgeAWithAgent), CacheJson.Options);
        var bare = JsonSerializer.Serialize(CatalogCacheCodec.Encode(SampleCatalog.EdgeA), CacheJson.Options);

        Assert.Contains("""
            "agent":{"peerId":"12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm","addresses":["/ip4/192.168.1.10/tcp/4001/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm",
            """.Trim(), json, StringComparison.Ordinal);
        Assert.EndsWith("\"offersRelay\":true}}", json, StringComparison.Ordinal);
        // Without an agent, the document is the one release 0.1.0 wrote (ReleaseCacheFileTests holds it).
        Assert.Equal("""{"name":"edge-a","podCidrs":["10.244.1.0/24"],"addresses":["192.168.1.10"],"labels":{"zone":"shop-1"}}""", bare);
    }

    [Theory]
    [InlineData("""{"peerId":"not-a-peer","addresses":[],"offersRelay":true}""")]
    [InlineData("""{"addresses":[],"offersRelay":true}""")]
    [InlineData("""{"peerId":"12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm","addresses":["/ip4/1.2.3.999/tcp/1"],"offersRelay":false}""")]
    public void DecodeNode_UnusableAgent_NodeKeptWithoutIt(string agent)
    {
        var node = CatalogCacheCodec.Decode(Read<CachedNode>($$"""{"name":"edge-a","podCidrs":["10.244.1.0/24"],"addresses":["192.168.1.10"],"agent":{{agent}}}"""));

        CatalogAssert.Same(new MeshNode("edge-a", ["10.244.1.0/24"], [IPAddress.Parse("192.168.1.10")]), node);
    }

    [Fact]
    public void Encode_ExternalIpsLocalPolicyAndHealthCheckPort_AbsentAtTheirDefaults()
    {
        var edge = JsonSerializer.Serialize(CatalogCacheCodec.Encode(SampleCatalog.Edge), CacheJson.Options);
        var db = JsonSerializer.Serialize(CatalogCacheCodec.Encode(SampleCatalog.Db), CacheJson.Options);

        Assert.EndsWith(""","externalIps":["192.168.1.200","fd00::200"],"externalTraffic":"Local","healthCheckNodePort":32100}""", edge, StringComparison.Ordinal);
        // A service without them encodes as the released plugin wrote it.
        Assert.DoesNotContain("external", db, StringComparison.Ordinal);
        Assert.DoesNotContain("healthCheck", db, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("""{"namespace":"demo","clusterIps":[],"ports":[]}""")]
    [InlineData("""{"name":"web","clusterIps":[],"ports":[]}""")]
    [InlineData("""{"namespace":"demo","name":"web","clusterIps":["10.96.0.300"],"ports":[]}""")]
    [InlineData("""{"namespace":"demo","name":"web","clusterIps":[],"ports":[],"externalIps":["192.168.1.999"]}""")]
    [InlineData("""{"namespace":"demo","name":"web","clusterIps":[],"ports":[{"name":"x","port":132,"protocol":"Sctp","targetPort":132}]}""")]
    [InlineData("""{"namespace":"demo","name":"web","clusterIps":[],"ports":[{"name":"x","port":80,"protocol":"7","targetPort":80}]}""")]
    public void DecodeService_UnusableDocument_IsNull(string json) =>
        Assert.Null(CatalogCacheCodec.Decode(Read<CachedService>(json)));

    [Theory]
    [InlineData("null")]
    [InlineData("""{"namespace":"demo","endpoints":[]}""")]
    [InlineData("""{"namespace":"demo","name":"web","endpoints":[{"address":"pod-1","ready":true,"ports":[]}]}""")]
    [InlineData("""{"namespace":"demo","name":"web","endpoints":[{"address":"10.244.1.5","ready":true,"ports":[{"name":"","port":80,"protocol":"Http"}]}]}""")]
    public void DecodeEndpoints_UnusableDocument_IsNull(string json) =>
        Assert.Null(CatalogCacheCodec.Decode(Read<CachedEndpoints>(json)));

    [Theory]
    [InlineData("null")]
    [InlineData("""{"podCidrs":[],"addresses":[]}""")]
    [InlineData("""{"name":"edge-a","podCidrs":[],"addresses":["edge-a.local"]}""")]
    public void DecodeNode_UnusableDocument_IsNull(string json) =>
        Assert.Null(CatalogCacheCodec.Decode(Read<CachedNode>(json)));

    [Fact]
    public void Decode_DocumentsWithoutOptionalParts_UseEmptyListsAndDefaults()
    {
        // What an older or hand-written document may look like: lists and labels left out.
        var service = CatalogCacheCodec.Decode(Read<CachedService>("""{"namespace":"demo","name":"web","affinity":"clientip","affinityTimeoutSeconds":30}"""));
        CatalogAssert.Same(new MeshService(new ServiceKey("demo", "web"), [], [], Affinity: SessionAffinity.ClientIP, AffinityTimeoutSeconds: 30), service);

        var endpoints = CatalogCacheCodec.Decode(Read<CachedEndpoints>("""{"namespace":"demo","name":"web","endpoints":[{"address":"10.244.1.5","ready":true}]}"""));
        CatalogAssert.Same(new ServiceEndpoints(new ServiceKey("demo", "web"), [new MeshEndpoint(IPAddress.Parse("10.244.1.5"), null, true, [])]), endpoints);

        CatalogAssert.Same(new MeshNode("edge-a", [], []), CatalogCacheCodec.Decode(Read<CachedNode>("""{"name":"edge-a"}""")));
    }

    [Fact]
    public void DecodeService_UnknownAffinity_IsNone() =>
        Assert.Equal(SessionAffinity.None, CatalogCacheCodec.Decode(Read<CachedService>("""{"namespace":"demo","name":"web","affinity":"Sticky"}"""))!.Affinity);

    private static T? Read<T>(string json) where T : class => JsonSerializer.Deserialize<T>(json, CacheJson.Options);
}
