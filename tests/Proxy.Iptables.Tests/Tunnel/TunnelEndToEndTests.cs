using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using PluginMesh.Plugins.Proxy.Iptables.Status;
using PluginMesh.Plugins.Proxy.Iptables.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Tunnel;

/// <summary>
/// Two agents (node-a, node-b) joined by an in-process tunnel: a client on A reaches an endpoint
/// hosted on B through <c>/pluginmesh/tunnel/1.0.0</c>, served by B's proxy.
/// </summary>
public sealed class TunnelEndToEndTests
{
    private static readonly ProxyOptions Listen = new() { Mode = ProxyMode.Listen };

    private static CatalogBuilder Catalog(int tcpPort, int udpPort) => new CatalogBuilder()
        .Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http")])
        .Endpoints("web", [new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("http", tcpPort, TransportProtocol.Tcp)])])
        .Service("dns", "10.96.0.53", [new ServicePort("dns", 53, TransportProtocol.Udp, 0, "dns")])
        .Endpoints("dns", [new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("dns", udpPort, TransportProtocol.Udp)])]);

    [Fact]
    public async Task RemoteEndpoint_TcpAndUdp_GoThroughTunnelToOtherAgent()
    {
        await using var tcpBackend = new TcpEchoServer();
        await using var udpBackend = new UdpEchoServer();
        var net = new FakeTunnelNetwork();
        var catalogA = new FakeCatalog();
        var catalogB = new FakeCatalog();
        catalogA.Publish(Catalog(tcpBackend.Port, udpBackend.Port));
        catalogB.Publish(Catalog(tcpBackend.Port, udpBackend.Port));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));

        var reply = await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "via the tunnel");
        Assert.Equal("via the tunnel", reply);
        Assert.Equal(1, net.Opened);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.ConnectAsync(IPAddress.Loopback, a.ListenPort("dns", 53, TransportProtocol.Udp));
        await ListenModeTests.AssertUdpEchoAsync(client);
        Assert.Equal(4, udpBackend.Datagrams);

        var web = a.Proxy.GetStatus().Services.Single(s => s.Service == "demo/web").Ports[0];
        Assert.Equal("tunnel", Assert.Single(web.Endpoints).Path);
        Assert.True(b.Proxy.GetStatus().TunnelServing);
    }

    [Theory]
    [InlineData(ExternalTrafficPolicy.Cluster)]
    [InlineData(ExternalTrafficPolicy.Local)]
    public async Task NodePort_EndpointOnOtherNode_ClusterPolicyTunnels_LocalPolicyResets(ExternalTrafficPolicy policy)
    {
        await using var tcpBackend = new TcpEchoServer();
        var nodePort = ListenModeTests.ClosedPort();
        var net = new FakeTunnelNetwork();
        var catalogA = new FakeCatalog();
        var catalogB = new FakeCatalog();
        // Only A exposes the node port: both agents share this host's loopback.
        var exposed = new CatalogBuilder()
            .Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http", nodePort)]).Exposed("web", policy)
            .Endpoints("web", [new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("http", tcpBackend.Port, TransportProtocol.Tcp)])]);
        catalogA.Publish(exposed);
        catalogB.Publish(Catalog(tcpBackend.Port, 9));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen with { NodePortAddress = IPAddress.Loopback }, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));

        var target = new IPEndPoint(IPAddress.Loopback, nodePort);
        if (policy == ExternalTrafficPolicy.Cluster)
        {
            Assert.Equal("to node-b", await ProxyHarness.EchoAsync(target, "to node-b"));
            Assert.Equal(1, net.Opened);
        }
        else
        {
            await ProxyHarness.AssertResetAsync(target);
            Assert.Equal(0, net.Opened);
            Assert.Equal(0, tcpBackend.Accepted);
        }
    }

    [Fact]
    public async Task RoutableCidr_RemoteEndpoint_IsDialedDirectly()
    {
        await using var tcpBackend = new TcpEchoServer();
        var net = new FakeTunnelNetwork();
        var catalog = new FakeCatalog();
        catalog.Publish(Catalog(tcpBackend.Port, 9));
        await using var a = await ProxyHarness.StartAsync(Listen with { RoutableCidrs = [IPNetwork.Parse("127.0.0.0/8")] }, ProxyMode.Listen, catalog, "node-a", net.For("node-a"));
        Assert.Equal("x", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "x"));
        Assert.Equal(0, net.Opened);
    }

    [Fact]
    public async Task FlatPodNetwork_PodOfANodeSharingIt_IsDialedDirectly_UntilItsPodCidrGoes()
    {
        await using var tcpBackend = new TcpEchoServer();
        var net = new FakeTunnelNetwork();
        var catalogA = new FakeCatalog();
        var catalogB = new FakeCatalog();
        // No routableCidrs: node-b's podCIDR (here the loopback range its endpoint lives in) comes from the catalog.
        catalogA.Publish(Catalog(tcpBackend.Port, 9).Node("node-a", "10.244.1.0/24").Node("node-b", "127.0.0.0/8"));
        catalogB.Publish(Catalog(tcpBackend.Port, 9));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen with { FlatPodNetwork = true }, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));

        Assert.Equal("x", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "x"));
        Assert.Equal(0, net.Opened);
        var status = a.Proxy.GetStatus();
        Assert.Equal("direct", Assert.Single(status.Services.Single(s => s.Service == "demo/web").Ports[0].Endpoints).Path);
        Assert.Equal(["node-b"], status.FlatPodNetwork!.Nodes.Select(n => n.Node));

        // node-b's podCIDR no longer covers the endpoint: the tunnel again.
        catalogA.Publish(Catalog(tcpBackend.Port, 9).Node("node-a", "10.244.1.0/24").Node("node-b", "10.244.2.0/24"));
        Assert.Equal("y", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "y"));
        Assert.Equal(1, net.Opened);
    }

    [Fact]
    public async Task Server_TargetNotInCatalog_AnswersNotAllowed()
    {
        await using var tcpBackend = new TcpEchoServer();
        await using var other = new TcpEchoServer();
        var net = new FakeTunnelNetwork();
        var catalogB = new FakeCatalog();
        catalogB.Publish(Catalog(tcpBackend.Port, 9));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));

        var header = new TunnelHeader(TransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, other.Port));
        var (stream, status, failure, reason) = await TunnelClient.OpenAsync(net.For("node-a"), "node-b", header, CancellationToken.None);
        Assert.Null(stream);
        Assert.Null(failure);
        Assert.Equal(TunnelStatus.NotAllowed, status);
        Assert.StartsWith("not_in_catalog:", reason, StringComparison.Ordinal);
        Assert.Equal(0, other.Accepted);
    }

    [Fact]
    public async Task Server_EndpointRefuses_AnswersRefused()
    {
        int dead;
        using (var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            dead = ((IPEndPoint)s.LocalEndPoint!).Port;
        }
        var net = new FakeTunnelNetwork();
        var catalogB = new FakeCatalog();
        catalogB.Publish(Catalog(dead, 9));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        var (stream, status, failure, _) = await TunnelClient.OpenAsync(net.For("node-a"), "node-b",
            new TunnelHeader(TransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, dead)), CancellationToken.None);
        Assert.Null(stream);
        Assert.Null(failure);
        Assert.Equal(TunnelStatus.Refused, status);
    }

    /// <summary>
    /// A failed tunnel dial names what failed: the node's agent answering for its endpoint, or the way
    /// to the node — the reason code alone ("refused", "unreachable": what policies and metrics see)
    /// reads the same for an endpoint that refuses and an agent that is down.
    /// </summary>
    [Fact]
    public async Task DialFailures_AcrossNodes_SayWhetherTheAgentOrTheWayFailed()
    {
        var (dead, deadC) = (ListenModeTests.ClosedPort(), ListenModeTests.ClosedPort());
        var catalog = OnNodesBAndC(dead, deadC);
        var net = new FakeTunnelNetwork();
        net.NoPath["node-c"] = true;
        var (catalogA, catalogB) = (new FakeCatalog(), new FakeCatalog());
        catalogA.Publish(catalog);
        catalogB.Publish(catalog);
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));

        var result = await a.Proxy.ConnectAsync(new ServiceKey("demo", "web"), 80, null, CancellationToken.None);
        Assert.Null(result.Connection);
        Assert.Contains($"127.0.0.1:{dead} (tunnel): refused (node-b's agent: ", result.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{deadC} (tunnel): unreachable (no tunnel to node-c: no connection or address for node-c)", result.Message, StringComparison.Ordinal);
    }

    /// <summary>Service web with one endpoint on node-b and one on node-c.</summary>
    private static CatalogBuilder OnNodesBAndC(int portB, int portC) => new CatalogBuilder()
        .Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http")]).Endpoints("web",
        [
            new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("http", portB, TransportProtocol.Tcp)]),
            new MeshEndpoint(IPAddress.Loopback, "node-c", true, [new EndpointPort("http", portC, TransportProtocol.Tcp)]),
        ]);

    [Fact]
    public async Task NodeWithNoPathYet_IsNotEjectedForEjectFor_UsedOnceItsPathExists()
    {
        await using var backendB = new TcpEchoServer();
        await using var backendC = new TcpEchoServer();
        var catalog = OnNodesBAndC(backendB.Port, backendC.Port);
        var net = new FakeTunnelNetwork();
        net.NoPath["node-c"] = true;
        var (catalogA, catalogB, catalogC) = (new FakeCatalog(), new FakeCatalog(), new FakeCatalog());
        foreach (var c in new[] { catalogA, catalogB, catalogC }) c.Publish(catalog);
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var c3 = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogC, "node-c", net.For("node-c"));
        // One failure ejects, for an hour: only a "no path yet" failure may end sooner.
        await using var a = await ProxyHarness.StartAsync(Listen with { EjectAfterFailures = 1, EjectFor = TimeSpan.FromHours(1) }, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));
        var target = new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80));
        EndpointStatus C() => a.Proxy.GetStatus().Services.Single().Ports[0].Endpoints.Single(e => e.Node == "node-c");

        for (var i = 0; i < 20 && C().DialFailures == 0; i++) Assert.Equal("ping " + i, await ProxyHarness.EchoAsync(target, "ping " + i));
        Assert.Equal(1, C().DialFailures);
        Assert.True(C().Ejected);

        net.NoPath.TryRemove("node-c", out _);
        await Eventually.TrueAsync(() => !C().Ejected, "node-c back in load balancing once the no-path ejection ends");
        for (var i = 0; i < 20 && backendC.Accepted == 0; i++) Assert.Equal("pong " + i, await ProxyHarness.EchoAsync(target, "pong " + i));
        Assert.True(backendC.Accepted > 0);
        Assert.Equal(1, C().DialFailures);
    }

    [Fact]
    public async Task NodeEjected_ComesBackAtOnceWhenItsRecordGetsNewAddresses_NotForTheSameOnes()
    {
        await using var backendB = new TcpEchoServer();
        await using var backendC = new TcpEchoServer();
        var catalog = OnNodesBAndC(backendB.Port, backendC.Port);
        var net = new FakeTunnelNetwork();
        var directory = new FakeDirectory();
        var (catalogA, catalogB, catalogC) = (new FakeCatalog(), new FakeCatalog(), new FakeCatalog());
        foreach (var c in new[] { catalogA, catalogB, catalogC }) c.Publish(catalog);
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen with { EjectAfterFailures = 1, EjectFor = TimeSpan.FromHours(1) }, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"),
            directory: directory);
        var target = new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80));
        EndpointStatus C() => a.Proxy.GetStatus().Services.Single().Ports[0].Endpoints.Single(e => e.Node == "node-c");
        directory.Accept("node-c", "/ip4/10.0.0.3/tcp/4001");

        // node-c's agent does not serve the tunnel yet: a failure that is not "no path", so a full ejection.
        for (var i = 0; i < 20 && C().DialFailures == 0; i++) Assert.Equal("ping " + i, await ProxyHarness.EchoAsync(target, "ping " + i));
        Assert.True(C().Ejected);
        directory.Accept("node-c", "/ip4/10.0.0.3/tcp/4001");
        Assert.True(C().Ejected);

        await using var c3 = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogC, "node-c", net.For("node-c"));
        directory.Accept("node-c", "/ip4/10.0.0.3/tcp/4001", $"/ip4/203.0.113.1/tcp/4001/p2p/{FakeTunnelNetwork.PeerOf("relay")}/p2p-circuit");
        Assert.False(C().Ejected);
        for (var i = 0; i < 20 && backendC.Accepted == 0; i++) Assert.Equal("pong " + i, await ProxyHarness.EchoAsync(target, "pong " + i));
        Assert.True(backendC.Accepted > 0);
    }

    [Fact]
    public async Task NodeEjected_ComesBackAtOnceWhenItsAgentConnects_ThoughItsRecordIsTheSame()
    {
        // An agent restarted after a crash comes back on the same addresses: its record says nothing
        // new, but a connection to it does.
        await using var backendB = new TcpEchoServer();
        await using var backendC = new TcpEchoServer();
        var catalog = OnNodesBAndC(backendB.Port, backendC.Port);
        var net = new FakeTunnelNetwork();
        var directory = new FakeDirectory();
        var peers = new PeerEvents();
        var (catalogA, catalogB, catalogC) = (new FakeCatalog(), new FakeCatalog(), new FakeCatalog());
        foreach (var c in new[] { catalogA, catalogB, catalogC }) c.Publish(catalog);
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen with { EjectAfterFailures = 1, EjectFor = TimeSpan.FromHours(1) }, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"),
            directory: directory, network: peers);
        var target = new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80));
        EndpointStatus C() => a.Proxy.GetStatus().Services.Single().Ports[0].Endpoints.Single(e => e.Node == "node-c");
        directory.Accept("node-c", "/ip4/10.0.0.3/tcp/4001");
        directory.Accept("node-b", "/ip4/10.0.0.2/tcp/4001");

        for (var i = 0; i < 20 && C().DialFailures == 0; i++) Assert.Equal("ping " + i, await ProxyHarness.EchoAsync(target, "ping " + i));
        Assert.True(C().Ejected);
        peers.Connected(FakeTunnelNetwork.PeerOf("node-b"));   // another node's agent: node-c stays out
        peers.Connected(FakeTunnelNetwork.PeerOf("stranger")); // a peer the directory does not know
        Assert.True(C().Ejected);

        await using var c3 = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogC, "node-c", net.For("node-c"));
        peers.Connected(FakeTunnelNetwork.PeerOf("node-c"));
        Assert.False(C().Ejected);
        for (var i = 0; i < 20 && backendC.Accepted == 0; i++) Assert.Equal("pong " + i, await ProxyHarness.EchoAsync(target, "pong " + i));
        Assert.True(backendC.Accepted > 0);
    }

    [Fact]
    public async Task Client_NoPathToTheNode_IsTheTunnelsFailureValue_NotAnException()
    {
        var net = new FakeTunnelNetwork();
        var (stream, _, failure, reason) = await TunnelClient.OpenAsync(net.For("node-a"), "node-z",
            new TunnelHeader(TransportProtocol.Tcp, new IPEndPoint(IPAddress.Loopback, 9)), CancellationToken.None);
        Assert.Null(stream);
        Assert.Equal(TunnelFailure.ProtocolNotSupported, failure);
        Assert.Contains("node-z does not serve", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_GarbageHeader_AnswersBadHeader()
    {
        var net = new FakeTunnelNetwork();
        var catalogB = new FakeCatalog();
        catalogB.Publish(Catalog(9, 9));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var stream = await net.For("node-a").OpenStreamAsync(new PeerTarget("node-b"), TunnelCodec.ProtocolId, CancellationToken.None).Opened();
        await stream.Stream.WriteAsync(new byte[] { 9, 7, 7, 7, 7, 7, 7, 7, 7, 7 });
        var (status, reason) = await TunnelCodec.ReadAnswerAsync(stream.Stream, CancellationToken.None);
        Assert.Equal(TunnelStatus.BadHeader, status);
        Assert.Contains("version", reason, StringComparison.Ordinal);
    }
}
