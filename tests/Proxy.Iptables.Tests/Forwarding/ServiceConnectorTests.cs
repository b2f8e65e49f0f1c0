using System.Net;
using System.Net.Sockets;
using System.Text;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Interception;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// <see cref="IServiceConnector"/> as an ingress gateway uses it: connections to a service port, over
/// real sockets (and the in-process tunnel between two agents), balanced, failed over and counted
/// like intercepted ones.
/// </summary>
public sealed class ServiceConnectorTests
{
    private static readonly ProxyOptions Listen = new() { Mode = ProxyMode.Listen };
    private static readonly ServicePort NamedTcp = new("http", 80, TransportProtocol.Tcp, 0, "http");
    private static readonly ServiceKey Web = CatalogBuilder.Key("web");

    private static MeshEndpoint Ep(int port, string node = "node-a") => new(IPAddress.Loopback, node, true, [new EndpointPort("http", port, TransportProtocol.Tcp)]);

    private static CatalogBuilder WebWith(params MeshEndpoint[] endpoints) =>
        new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", endpoints);

    /// <summary>Writes <paramref name="payload"/>, half-closes, reads until the endpoint's end of stream.</summary>
    private static async Task<string> EchoAsync(IServiceConnection connection, string payload)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await connection.Stream.WriteAsync(Encoding.UTF8.GetBytes(payload), timeout.Token);
        await connection.CloseWriteAsync(timeout.Token);
        var ms = new MemoryStream();
        await connection.Stream.CopyToAsync(ms, timeout.Token);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static async Task<IServiceConnection> ConnectOkAsync(IServiceConnector connector, int port = 80, IPAddress? client = null)
    {
        var result = await connector.ConnectAsync(Web, port, client, CancellationToken.None);
        Assert.True(result.Connection is not null, result.Message);
        Assert.Equal(ServiceConnectFailure.None, result.Failure);
        return result.Connection;
    }

    [Fact]
    public async Task Connect_LocalEndpoint_EchoesAndCountsLikeInterceptedTraffic()
    {
        await using var backend = new TcpEchoServer();
        using var metrics = new ProxyMeasurements();
        var catalog = new FakeCatalog();
        catalog.Publish(WebWith(Ep(backend.Port)));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);
        metrics.Watch(proxy);

        var connection = await ConnectOkAsync(proxy.Proxy, client: IPAddress.Parse("192.0.2.7"));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, backend.Port), connection.Endpoint);
        Assert.Equal(("node-a", "local"), (connection.NodeName, connection.Path));
        Assert.Equal(1, proxy.Metrics.Active);
        Assert.Equal(1, Assert.Single(proxy.Proxy.GetStatus().Services.Single(s => s.Service == "demo/web").Ports[0].Endpoints).Active);

        Assert.Equal("hello gateway", await EchoAsync(connection, "hello gateway"));
        await connection.DisposeAsync();
        await connection.DisposeAsync();

        Assert.Equal(0, proxy.Metrics.Active);
        var port = proxy.Proxy.GetStatus().Services.Single(s => s.Service == "demo/web").Ports[0];
        Assert.Equal((1L, 13L, 13L, 0), (port.Connections, port.BytesIn, port.BytesOut, Assert.Single(port.Endpoints).Active));
        var conn = Assert.Single(metrics.Snapshot(), m => m.Name == "pluginmesh.proxy.connections");
        Assert.Equal(("demo/web:80/tcp", "local"), ((string?)conn.Tags["service"], (string?)conn.Tags["path"]));
        Assert.Equal(13, metrics.Sum("pluginmesh.proxy.bytes", "direction", "in"));
        Assert.Equal(13, metrics.Sum("pluginmesh.proxy.bytes", "direction", "out"));
    }

    [Fact]
    public async Task Connect_FirstEndpointRefuses_FailsOverToTheNextAndCountsTheFailure()
    {
        await using var live = new TcpEchoServer();
        var catalog = new FakeCatalog();
        // Round robin starts with the dead endpoint.
        catalog.Publish(WebWith(Ep(ListenModeTests.ClosedPort()), Ep(live.Port)));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        await using var connection = await ConnectOkAsync(proxy.Proxy);
        Assert.Equal(live.Port, connection.Endpoint.Port);
        Assert.Equal("after failover", await EchoAsync(connection, "after failover"));
        Assert.Equal(1, proxy.Proxy.GetStatus().Services.Single(s => s.Service == "demo/web").Ports[0].DialFailures);
    }

    [Fact]
    public async Task Connect_EveryEndpointRefuses_UnreachableNamingServiceAndReason()
    {
        var dead = ListenModeTests.ClosedPort();
        var catalog = new FakeCatalog();
        catalog.Publish(WebWith(Ep(dead)));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        var result = await proxy.Proxy.ConnectAsync(Web, 80, null, CancellationToken.None);
        Assert.Null(result.Connection);
        Assert.Equal(ServiceConnectFailure.Unreachable, result.Failure);
        Assert.Contains("demo/web:80/tcp", result.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{dead} (local): refused", result.Message, StringComparison.Ordinal);
        Assert.Equal(0, proxy.Metrics.Active);
    }

    [Fact]
    public async Task Connect_NoReadyEndpoint_NoEndpoints()
    {
        var catalog = new FakeCatalog();
        catalog.Publish(WebWith());
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        var result = await proxy.Proxy.ConnectAsync(Web, 80, null, CancellationToken.None);
        Assert.Equal((null, ServiceConnectFailure.NoEndpoints), (result.Connection, result.Failure));
        Assert.Contains("demo/web:80/tcp has no ready endpoint", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("web", 81, "service demo/web has no TCP port 81 (its TCP ports: 80)")]
    [InlineData("shop", 80, "no service demo/shop")]
    public async Task Connect_UnknownServiceOrPort_NoService(string service, int port, string message)
    {
        var catalog = new FakeCatalog();
        catalog.Publish(WebWith(Ep(9)));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        var result = await proxy.Proxy.ConnectAsync(CatalogBuilder.Key(service), port, null, CancellationToken.None);
        Assert.Equal((null, ServiceConnectFailure.NoService), (result.Connection, result.Failure));
        Assert.Contains(message, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_BeforeStartAndAfterStop_NoServiceWithAClearMessage()
    {
        var catalog = new FakeCatalog();
        catalog.Publish(WebWith(Ep(9)));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);
        await proxy.StopAsync();

        var result = await proxy.Proxy.ConnectAsync(Web, 80, null, CancellationToken.None);
        Assert.Equal((null, ServiceConnectFailure.NoService), (result.Connection, result.Failure));
        Assert.Contains("not running", result.Message, StringComparison.Ordinal);

        var table = new ServiceConnector(() => ServiceTable.Empty, null!);
        var early = await table.ConnectAsync(Web, 80, null, CancellationToken.None);
        Assert.Equal(ServiceConnectFailure.NoService, early.Failure);
        Assert.Contains("has not loaded the service catalog yet", early.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Abort_EndpointSeesAReset()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var catalog = new FakeCatalog();
        catalog.Publish(WebWith(Ep(((IPEndPoint)listener.LocalEndPoint!).Port)));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        var connection = await ConnectOkAsync(proxy.Proxy);
        using var accepted = await listener.AcceptAsync();
        connection.Abort();
        await connection.DisposeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ex = await Assert.ThrowsAsync<SocketException>(async () => await accepted.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token));
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
        Assert.Equal(0, proxy.Metrics.Active);
    }

    [Fact]
    public async Task Connect_EndpointOnOtherNode_GoesThroughTheTunnelToItsAgent()
    {
        await using var backend = new TcpEchoServer();
        var net = new FakeTunnelNetwork();
        var catalogA = new FakeCatalog();
        var catalogB = new FakeCatalog();
        catalogA.Publish(WebWith(Ep(backend.Port, "node-b")));
        catalogB.Publish(WebWith(Ep(backend.Port, "node-b")));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));

        await using (var connection = await ConnectOkAsync(a.Proxy))
        {
            Assert.Equal(("node-b", "tunnel"), (connection.NodeName, connection.Path));
            Assert.Equal("across nodes", await EchoAsync(connection, "across nodes"));
        }
        Assert.Equal(1, net.Opened);
        Assert.Equal(0, a.Metrics.Active);
        Assert.Equal(12, a.Proxy.GetStatus().Services.Single(s => s.Service == "demo/web").Ports[0].BytesOut);
    }
}
