using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

public sealed class CatalogChangeTests
{
    private static readonly ServicePort NamedTcp = new("http", 80, TransportProtocol.Tcp, 0, "http");

    private static MeshEndpoint Ep(int port) => new(IPAddress.Loopback, "node-a", true, [new EndpointPort("http", port, TransportProtocol.Tcp)]);

    [Fact]
    public async Task Endpoints_ScaledUpThenDown_TrafficFollows()
    {
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(a.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(new ProxyOptions { Mode = ProxyMode.Listen }, ProxyMode.Listen, catalog);
        var target = new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80));

        for (var i = 0; i < 4; i++) await ProxyHarness.EchoAsync(target, "x");
        Assert.Equal((4, 0), (a.Accepted, b.Accepted));

        await proxy.PublishAsync(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(a.Port), Ep(b.Port)]));
        for (var i = 0; i < 4; i++) await ProxyHarness.EchoAsync(target, "x");
        Assert.Equal((6, 2), (a.Accepted, b.Accepted));

        await proxy.PublishAsync(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(b.Port)]));
        for (var i = 0; i < 4; i++) await ProxyHarness.EchoAsync(target, "x");
        Assert.Equal((6, 6), (a.Accepted, b.Accepted));
    }

    [Fact]
    public async Task Metrics_ConnectionsBytesAndActive_Reported()
    {
        await using var backend = new TcpEchoServer();
        using var metrics = new ProxyMeasurements();

        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(backend.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(new ProxyOptions { Mode = ProxyMode.Listen }, ProxyMode.Listen, catalog);
        metrics.Watch(proxy);
        await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80)), "12345");
        await Eventually.TrueAsync(() => proxy.Metrics.Active == 0, "connection closed");
        var measurements = metrics.Snapshot();
        var conn = Assert.Single(measurements, m => m.Name == "pluginmesh.proxy.connections");
        Assert.Equal("demo/web:80/tcp", conn.Tags["service"]);
        Assert.Equal("local", conn.Tags["path"]);
        Assert.Equal(5, metrics.Sum("pluginmesh.proxy.bytes", "direction", "in"));
        Assert.Equal(5, metrics.Sum("pluginmesh.proxy.bytes", "direction", "out"));
        Assert.Contains(measurements, m => m.Name == "pluginmesh.proxy.active" && m.Value == 0);
    }
}
