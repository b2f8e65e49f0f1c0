using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.P2p;
using PluginMesh.Plugins.Catalog.Kubernetes.State;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.State;

public sealed class CatalogValuesTests
{
    private static MeshService Service() => new(
        new ServiceKey("demo", "web"),
        [IPAddress.Parse("10.96.0.10")],
        [new ServicePort("http", 80, TransportProtocol.Tcp, 8080), new ServicePort("dns", 53, TransportProtocol.Udp, 0, "dns", 30053)],
        Headless: false, SessionAffinity.ClientIP, 600, "LEAST_REQUEST",
        new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" });

    private static ServiceEndpoints Endpoints() => new(new ServiceKey("demo", "web"),
    [
        new MeshEndpoint(IPAddress.Parse("10.244.1.5"), "edge-a", true, [new EndpointPort("http", 8080, TransportProtocol.Tcp)]),
        new MeshEndpoint(IPAddress.Parse("fd00::5"), null, false, [], "web-1"),
    ]);

    private static NodeAgent Agent() => new(
        PeerId.Parse("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm"), [Multiaddr.Parse("/ip4/192.168.1.10/tcp/4001")], OffersRelay: true);

    private static MeshNode Node() => new("edge-a", ["10.244.1.0/24"], [IPAddress.Parse("192.168.1.10")], new Dictionary<string, string> { ["zone"] = "a" }, Agent());

    public static TheoryData<string, object> Changed() => new()
    {
        { "cluster IP", Service() with { ClusterIps = [IPAddress.Parse("10.96.0.11")] } },
        { "port", Service() with { Ports = [new ServicePort("http", 80, TransportProtocol.Tcp, 8081)] } },
        { "headless", Service() with { Headless = true } },
        { "affinity", Service() with { Affinity = SessionAffinity.None } },
        { "affinity timeout", Service() with { AffinityTimeoutSeconds = 601 } },
        { "load balancer", Service() with { LoadBalancer = null } },
        { "label value", Service() with { Labels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "back" } } },
        { "label case", Service() with { Labels = new Dictionary<string, string> { ["App"] = "web", ["tier"] = "front" } } },
        { "labels null", Service() with { Labels = null } },
        { "labels empty", Service() with { Labels = new Dictionary<string, string>() } },
        { "other service", Service() with { Key = new ServiceKey("demo", "api") } },
        { "endpoint address", Endpoints() with { Endpoints = [Endpoints().Endpoints[0] with { Address = IPAddress.Parse("10.244.1.6") }, Endpoints().Endpoints[1]] } },
        { "endpoint ready", Endpoints() with { Endpoints = [Endpoints().Endpoints[0] with { Ready = false }, Endpoints().Endpoints[1]] } },
        { "endpoint node", Endpoints() with { Endpoints = [Endpoints().Endpoints[0] with { NodeName = "edge-b" }, Endpoints().Endpoints[1]] } },
        { "endpoint hostname", Endpoints() with { Endpoints = [Endpoints().Endpoints[0], Endpoints().Endpoints[1] with { Hostname = null }] } },
        { "endpoint port", Endpoints() with { Endpoints = [Endpoints().Endpoints[0] with { Ports = [] }, Endpoints().Endpoints[1]] } },
        { "endpoint removed", Endpoints() with { Endpoints = [Endpoints().Endpoints[0]] } },
        { "endpoint order", Endpoints() with { Endpoints = [Endpoints().Endpoints[1], Endpoints().Endpoints[0]] } },
        { "node pod CIDR", Node() with { PodCidrs = ["10.244.2.0/24"] } },
        { "node address", Node() with { Addresses = [IPAddress.Parse("192.168.1.11")] } },
        { "node labels", Node() with { Labels = null } },
        { "node name", Node() with { Name = "edge-b" } },
        { "node agent gone", Node() with { Agent = null } },
        { "node agent address", Node() with { Agent = Agent() with { Addresses = [Multiaddr.Parse("/ip4/192.168.1.10/tcp/4002")] } } },
        { "node agent relay offer", Node() with { Agent = Agent() with { OffersRelay = false } } },
        { "node agent peer", Node() with { Agent = Agent() with { PeerId = PeerId.Parse("12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK") } } },
    };

    [Theory]
    [MemberData(nameof(Changed))]
    public void SameContent_OneFieldDiffers_IsFalse(string what, object changed)
    {
        object original = changed switch
        {
            MeshService => Service(),
            ServiceEndpoints => Endpoints(),
            _ => Node(),
        };

        Assert.False(CatalogValues.SameContent(original, changed), what);
        Assert.False(CatalogValues.SameContent(changed, original), what);
    }

    [Fact]
    public void SameContent_EqualValuesBuiltSeparately_IsTrue()
    {
        Assert.True(CatalogValues.SameContent(Service(), Service()));
        Assert.True(CatalogValues.SameContent(Endpoints(), Endpoints()));
        Assert.True(CatalogValues.SameContent(Node(), Node()));
        Assert.True(CatalogValues.SameContent(Service() with { Labels = null }, Service() with { Labels = null }));
    }

    [Fact]
    public void SameContent_LabelsInAnotherOrder_IsTrue() =>
        Assert.True(CatalogValues.SameContent(Service(), Service() with { Labels = new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" } }));

    [Fact]
    public void SameContent_DifferentKinds_IsFalse() =>
        Assert.False(CatalogValues.SameContent(Node(), Service()));
}
