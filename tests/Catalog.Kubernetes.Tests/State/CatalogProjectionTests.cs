using System.Text.Json;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.State;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.State;

public sealed class CatalogProjectionTests
{
    private static JsonElement Json(System.Text.Json.Nodes.JsonObject obj) => JsonDocument.Parse(obj.ToJsonString()).RootElement;

    private static List<CatalogChange> Upsert(CatalogProjection p, ResourceKind kind, System.Text.Json.Nodes.JsonObject obj) =>
        p.Diff(p.Upsert(kind, Json(obj), [], out _));

    private static CatalogProjection Create() => new(KubernetesCatalogOptions.DefaultProxyNameLabel, "pluginmesh");

    [Fact]
    public void Upsert_AddedTwice_PublishesOnce()
    {
        var p = Create();
        var first = Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        var second = Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));

        Assert.Equal([(CatalogObjectKind.Service, "demo/web"), (CatalogObjectKind.Endpoints, "demo/web")], first.Select(c => (c.Kind, c.Key)));
        Assert.Empty(second);
    }

    [Fact]
    public void Upsert_ModifiedForUnknownObject_PublishesIt()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        var changes = Upsert(p, ResourceKind.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web", [("10.244.1.5", "b", true)]));

        var endpoints = Assert.IsType<ServiceEndpoints>(Assert.Single(changes).Value);
        Assert.Equal("10.244.1.5", Assert.Single(endpoints.Endpoints).Address.ToString());
    }

    [Fact]
    public void Delete_UnknownObject_ChangesNothing()
    {
        var p = Create();
        Assert.Empty(p.Diff(p.Delete(ResourceKind.Services, Json(FakeObjects.Service("demo", "ghost", "10.96.0.1")))));
    }

    [Fact]
    public void Slices_TwoForOneService_MergedAndAddressListedOnceReadyWins()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        Upsert(p, ResourceKind.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-1", "web", [("10.244.1.5", "b", false), ("10.244.1.6", "b", true)]));
        var changes = Upsert(p, ResourceKind.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-2", "web", [("10.244.1.5", "b", true), ("10.244.1.7", "c", true)]));

        var endpoints = Assert.IsType<ServiceEndpoints>(Assert.Single(changes).Value).Endpoints;
        Assert.Equal(["10.244.1.5", "10.244.1.6", "10.244.1.7"], endpoints.Select(e => e.Address.ToString()));
        Assert.All(endpoints, e => Assert.True(e.Ready));

        var afterDelete = p.Diff(p.Delete(ResourceKind.EndpointSlices, Json(FakeObjects.EndpointSlice("demo", "web-2", "web", []))));
        var remaining = Assert.IsType<ServiceEndpoints>(Assert.Single(afterDelete).Value).Endpoints;
        Assert.Equal(["10.244.1.5", "10.244.1.6"], remaining.Select(e => e.Address.ToString()));
        Assert.False(remaining[0].Ready);
    }

    [Fact]
    public void Replace_ListEqualToWatchedState_YieldsNoChanges()
    {
        var p = Create();
        var web = FakeObjects.Service("demo", "web", "10.96.0.10");
        var node = FakeObjects.Node("b", "10.244.1.0/24", "192.168.1.2");
        Upsert(p, ResourceKind.Services, web);
        Upsert(p, ResourceKind.Nodes, node);

        var affected = p.Replace(ResourceKind.Services, [Json(web)], (_, _) => { });
        affected.AddRange(p.Replace(ResourceKind.Nodes, [Json(node)], (_, _) => { }));
        Assert.Empty(p.Diff(affected));
    }

    [Fact]
    public void Replace_ObjectGoneFromList_PublishesDeletion()
    {
        var p = Create();
        Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        var changes = p.Diff(p.Replace(ResourceKind.Services, [], (_, _) => { }));
        Assert.Equal([(CatalogObjectKind.Service, "demo/web", true), (CatalogObjectKind.Endpoints, "demo/web", true)], changes.Select(c => (c.Kind, c.Key, c.Value is null)));
    }

    [Theory]
    [InlineData("ExternalName", "10.96.0.1", "ExternalName service")]
    [InlineData("ClusterIP", "10.96.0.999", "malformed cluster IP")]
    [InlineData("ClusterIP", "", "no cluster IP")]
    public void Upsert_ServiceNotServed_SkippedWithReason(string type, string clusterIp, string reason)
    {
        var p = Create();
        var obj = FakeObjects.Service("demo", "x", clusterIp, type: type);
        if (clusterIp.Length == 0)
        {
            obj["spec"]!.AsObject().Remove("clusterIP");
            obj["spec"]!.AsObject().Remove("clusterIPs");
        }

        var affected = p.Upsert(ResourceKind.Services, Json(obj), [], out var skip);
        Assert.Contains(reason, skip, StringComparison.Ordinal);
        Assert.Empty(p.Diff(affected));
    }

    [Fact]
    public void Upsert_HeadlessService_PublishedWithoutClusterIp()
    {
        var p = Create();
        var service = Assert.IsType<MeshService>(Upsert(p, ResourceKind.Services, FakeObjects.Service("demo", "db", "None"))[0].Value);
        Assert.True(service.Headless);
        Assert.Empty(service.ClusterIps);
    }

    [Fact]
    public void Upsert_NodePortService_KeepsNodePortExternalIpsAndLocalPolicy()
    {
        var p = Create();
        var obj = FakeObjects.Service("demo", "edge", "10.96.0.20", type: "NodePort");
        var spec = obj["spec"]!.AsObject();
        spec["ports"]![0]!["nodePort"] = 30080;
        spec["externalIPs"] = new System.Text.Json.Nodes.JsonArray("192.168.1.200", "fd00::200");
        spec["externalTrafficPolicy"] = "Local";
        spec["healthCheckNodePort"] = 32100;

        var service = Assert.IsType<MeshService>(Upsert(p, ResourceKind.Services, obj)[0].Value);
        Assert.Equal(30080, service.Ports[0].NodePort);
        Assert.Equal([System.Net.IPAddress.Parse("192.168.1.200"), System.Net.IPAddress.Parse("fd00::200")], service.ExternalIps!);
        Assert.Equal(ExternalTrafficPolicy.Local, service.ExternalTraffic);
        Assert.Equal(32100, service.HealthCheckNodePort);
    }

    [Fact]
    public void Upsert_MalformedExternalIp_ServicePublishedWithoutIt_ReasonGiven()
    {
        var p = Create();
        var obj = FakeObjects.Service("demo", "edge", "10.96.0.20");
        obj["spec"]!["externalIPs"] = new System.Text.Json.Nodes.JsonArray("192.168.1", "192.168.1.201");

        var affected = p.Upsert(ResourceKind.Services, Json(obj), [], out var skip);
        var service = Assert.IsType<MeshService>(p.Diff(affected)[0].Value);
        Assert.Contains("malformed external IP '192.168.1'", skip, StringComparison.Ordinal);
        Assert.Equal([System.Net.IPAddress.Parse("192.168.1.201")], service.ExternalIps!);
        Assert.Equal(ExternalTrafficPolicy.Cluster, service.ExternalTraffic);
        Assert.Null(service.HealthCheckNodePort);
    }
}
