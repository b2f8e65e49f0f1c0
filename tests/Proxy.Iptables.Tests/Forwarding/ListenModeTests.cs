using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Plugins.Proxy.Iptables.Status;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using static PluginMesh.Plugins.Proxy.Iptables.Tests.Support.CatalogBuilder;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>Listen mode on loopback with real TCP/UDP backends.</summary>
public sealed class ListenModeTests
{
    private static readonly ServicePort NamedTcp = new("http", 80, TransportProtocol.Tcp, 0, "http");
    private static readonly ServicePort NamedUdp = new("dns", 53, TransportProtocol.Udp, 0, "dns");

    private static MeshEndpoint Ep(int port, string node = "node-a", string name = "http", TransportProtocol protocol = TransportProtocol.Tcp) =>
        new(IPAddress.Loopback, node, true, [new EndpointPort(name, port, protocol)]);

    /// <summary>A loopback port nothing listens on (bound once, then released).</summary>
    internal static int ClosedPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static ProxyOptions Listen => new() { Mode = ProxyMode.Listen };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Tcp_ThroughListenPort_ReachesBackend_WithHalfClose(bool eventLoop)
    {
        await using var backend = new TcpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(backend.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen with { EventLoop = eventLoop }, ProxyMode.Listen, catalog);

        // The client shuts down its write side first and still reads the whole reply.
        var reply = await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80)), "hello through the mesh");
        Assert.Equal("hello through the mesh", reply);

        var status = proxy.Proxy.GetStatus();
        var port = Assert.Single(Assert.Single(status.Services).Ports);
        Assert.Equal(1, port.Connections);
        Assert.Equal(22, port.BytesIn);
        Assert.Equal(22, port.BytesOut);
        Assert.Equal("local", Assert.Single(port.Endpoints).Path);
        // Connected and relayed on the proxy's own loop, or (eventLoop: false) without one.
        if (eventLoop) Assert.Equal((1L, 1L), (status.EventLoop!.Connects, status.EventLoop.Relayed));
        else Assert.Null(status.EventLoop);
    }

    [Fact]
    public async Task ScriptBalancedService_PolicyRunsOffTheEventLoop_ConnectionStillRelayedThere()
    {
        // A script policy may take up to its time limit: it must not hold the loop that relays every
        // other connection. The connection itself still goes back to the loop once dialed.
        await using var backend = new TcpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp], loadBalancer: "script").Endpoints("web", [Ep(backend.Port)]));
        var policy = new ThreadRecordingPolicy();
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog, endpointPolicy: policy);

        Assert.Equal("scripted", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80)), "scripted"));
        Assert.NotEmpty(policy.Threads);
        Assert.DoesNotContain("proxy loop", policy.Threads);
        Assert.Equal(1, proxy.Proxy.GetStatus().EventLoop!.Relayed);
    }

    [Fact]
    public async Task RefusedLocalEndpoint_FailoverPolicyRunsOffTheEventLoop_NextEndpointServes()
    {
        // A port nothing listens on (bound, never listened) and a live backend: the first pick may be
        // refused; the failover policy decides, off the loop, and the other endpoint serves.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var backend = new TcpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp])
            .Endpoints("web", [Ep(((IPEndPoint)closed.LocalEndPoint!).Port), Ep(backend.Port)]));
        var failover = new ThreadRecordingFailover();
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog, failover: failover);

        var target = new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80));
        for (var i = 0; i < 4; i++) Assert.Equal("again " + i, await ProxyHarness.EchoAsync(target, "again " + i));
        Assert.NotEmpty(failover.Threads);
        Assert.DoesNotContain("proxy loop", failover.Threads);
    }

    private sealed class ThreadRecordingFailover : IFailoverPolicy
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Threads { get; } = [];

        public FailoverDecision OnFailure(FailureInput input)
        {
            Threads.Add(Thread.CurrentThread.Name ?? "(unnamed)");
            return new FailoverDecision(input.Alternatives > 0 ? FailoverAction.Next : FailoverAction.GiveUp, 0);
        }
    }

    private sealed class ThreadRecordingPolicy : IEndpointPolicy
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Threads { get; } = [];

        public EndpointPick PickEndpoint(EndpointPickInput input)
        {
            Threads.Add(Thread.CurrentThread.Name ?? "(unnamed)");
            return new EndpointPick(0);
        }
    }

    [Fact]
    public async Task Tcp_ManyConnections_SpreadOverTwoBackends()
    {
        await using var a = new TcpEchoServer();
        await using var b = new TcpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(a.Port), Ep(b.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);
        var target = new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80));

        var replies = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => ProxyHarness.EchoAsync(target, "req " + i)));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => "req " + i), replies);
        Assert.Equal(20, a.Accepted);
        Assert.Equal(20, b.Accepted);
    }

    [Fact]
    public async Task Tcp_OneBackendRefuses_FailsOverToTheOther()
    {
        await using var live = new TcpEchoServer();
        var dead = ClosedPort();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(dead), Ep(live.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen with { EjectAfterFailures = 1 }, ProxyMode.Listen, catalog);
        var target = new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80));

        for (var i = 0; i < 10; i++) Assert.Equal("ping " + i, await ProxyHarness.EchoAsync(target, "ping " + i));

        var port = Assert.Single(Assert.Single(proxy.Proxy.GetStatus().Services).Ports);
        Assert.True(port.DialFailures >= 1);
        // The first refusal ejects the dead endpoint (ejectAfterFailures: 1), so later connections skip it.
        Assert.Equal(1, port.DialFailures);
        Assert.Contains(port.Endpoints, e => e.Ejected && e.Address.EndsWith(":" + dead, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tcp_AllBackendsDown_ClientConnectionIsResetNotHung()
    {
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(ClosedPort()), Ep(ClosedPort())]));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        await ProxyHarness.AssertResetAsync(new IPEndPoint(IPAddress.Loopback, proxy.ListenPort("web", 80)));
    }

    [Fact]
    public async Task NodePort_ListensOnTheNodePortItself_LocalPolicyWithoutLocalEndpointResets()
    {
        await using var backend = new TcpEchoServer(IPAddress.Loopback);
        var (webPort, localPort) = (ClosedPort(), ClosedPort());
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("web", "10.96.0.10", [NodePort(NamedTcp, webPort)]).Endpoints("web", [Ep(backend.Port)])
            .Service("local", "10.96.0.11", [NodePort(NamedTcp, localPort)]).Exposed("local", ExternalTrafficPolicy.Local)
            .Endpoints("local", [Ep(backend.Port, node: "node-b")]));
        await using var proxy = await ProxyHarness.StartAsync(Listen with { NodePortAddress = IPAddress.Loopback }, ProxyMode.Listen, catalog);

        Assert.Equal("via the node port", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, webPort), "via the node port"));
        await ProxyHarness.AssertResetAsync(new IPEndPoint(IPAddress.Loopback, localPort));
        Assert.Equal(1, backend.Accepted);

        var local = proxy.Proxy.GetStatus().Services.Single(s => s.Service == "demo/local").Ports;
        Assert.Equal([(false, (int?)null, false, 1), (true, localPort, true, 0)], local.Select(p => (p.External, p.NodePort, p.LocalOnly, p.Endpoints.Count)));
        Assert.Equal(localPort, local[1].ListenPort);

        // A Service edit moves the node port: the listener follows.
        var moved = ClosedPort();
        await proxy.PublishAsync(new CatalogBuilder().Service("web", "10.96.0.10", [NodePort(NamedTcp, moved)]).Endpoints("web", [Ep(backend.Port)]));
        Assert.Equal("moved", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, moved), "moved"));
        var ex = await Assert.ThrowsAsync<SocketException>(() => ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, webPort), "old"));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }

    [Fact]
    public async Task NodePort_DualStackService_AlsoAnswersOnIpv6_Ipv4OnlyServiceDoesNot_Ipv6ExternalIpServedBeforeItArrives()
    {
        await using var backend = new TcpEchoServer(IPAddress.Loopback);
        var (dualPort, v4Port, externalPort) = (ClosedPort(), ClosedPort(), ClosedPort());
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("dual", "10.96.0.10", [NodePort(NamedTcp, dualPort)]).DualStack("dual", "fd00:96::10").Endpoints("dual", [Ep(backend.Port)])
            .Service("v4", "10.96.0.11", [NodePort(NamedTcp, v4Port)]).Endpoints("v4", [Ep(backend.Port)])
            // An address that is on no interface here (a floating one): bound with IPV6_FREEBIND all the same.
            .Service("ext", "10.96.0.12", [NamedTcp with { Port = externalPort }]).Exposed("ext", ExternalTrafficPolicy.Cluster, "fd00:77::7")
            .Endpoints("ext", [Ep(backend.Port)]));
        // nodePortAddress left at its default, 0.0.0.0: every address of the node.
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        Assert.Equal("v4", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, dualPort), "v4"));
        Assert.Equal("v6", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.IPv6Loopback, dualPort), "v6"));
        Assert.Equal("v4 only", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, v4Port), "v4 only"));
        var refused = await Assert.ThrowsAsync<SocketException>(() => ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.IPv6Loopback, v4Port), "no v6"));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Equal(3, backend.Accepted);
        Assert.Equal(1, proxy.Proxy.GetStatus().Services.Single(s => s.Service == "demo/ext").Ports.Count(p => p.External));
        // The floating address is listened on (the bind did not fail) though it is not here to be dialed.
        Assert.Contains(ListeningTcp6(), l => l == ("fd00:77::7", externalPort));
    }

    // The TCP sockets listening over IPv6 in this namespace (/proc/net/tcp6, state 0A), as (address, port).
    private static List<(string Address, int Port)> ListeningTcp6() =>
        [.. File.ReadAllLines("/proc/net/tcp6").Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A")
            .Select(f =>
            {
                var (hex, port) = (f[1][..32], Convert.ToInt32(f[1][33..], 16));
                // Four 32-bit words, each in host (little-endian) order.
                var bytes = Enumerable.Range(0, 4).SelectMany(w => Convert.FromHexString(hex.Substring(w * 8, 8)).Reverse()).ToArray();
                return (new IPAddress(bytes).ToString(), port);
            })];

    [Fact]
    public async Task ExternalIps_ListenOnTheServicePortAtEachAddress_FollowEdits_LocalPolicyResets()
    {
        // 127.0.0.0/8 is all this host's: two "external IPs" the test can dial without a namespace.
        await using var backend = new TcpEchoServer(IPAddress.Loopback);
        var port = ClosedPort();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("web", "10.96.0.10", [NamedTcp with { Port = port }]).Exposed("web", ExternalTrafficPolicy.Cluster, "127.0.0.71", "127.0.0.72")
            .Endpoints("web", [Ep(backend.Port)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen with { NodePortAddress = IPAddress.Loopback }, ProxyMode.Listen, catalog);

        Assert.Equal("first", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("127.0.0.71"), port), "first"));
        Assert.Equal("second", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("127.0.0.72"), port), "second"));
        var web = Assert.Single(proxy.Proxy.GetStatus().Services);
        Assert.Equal(["127.0.0.71", "127.0.0.72"], web.ExternalIps);
        Assert.Equal(2, web.Ports.Single(p => p.External).Connections);

        // An edit drops one address and adds another; externalTrafficPolicy Local with the only endpoint elsewhere resets.
        await proxy.PublishAsync(new CatalogBuilder()
            .Service("web", "10.96.0.10", [NamedTcp with { Port = port }]).Exposed("web", ExternalTrafficPolicy.Local, "127.0.0.72", "127.0.0.73")
            .Endpoints("web", [Ep(backend.Port, node: "node-b")]));
        await ProxyHarness.AssertResetAsync(new IPEndPoint(IPAddress.Parse("127.0.0.73"), port));
        var gone = await Assert.ThrowsAsync<SocketException>(() => ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("127.0.0.71"), port), "old"));
        Assert.Equal(SocketError.ConnectionRefused, gone.SocketErrorCode);
        Assert.Equal(2, backend.Accepted);
    }

    [Fact]
    public async Task HealthCheckNodePort_200WithALocalEndpoint_503WithNone_FollowsEdits()
    {
        await using var backend = new TcpEchoServer(IPAddress.Loopback);
        var (nodePort, health) = (ClosedPort(), ClosedPort());
        var remote = new MeshEndpoint(IPAddress.Parse("10.244.9.9"), "node-b", true, [new EndpointPort("http", backend.Port, TransportProtocol.Tcp)]);
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("lb", "10.96.0.12", [NodePort(NamedTcp, nodePort)]).HealthChecked("lb", health)
            .Endpoints("lb", [Ep(backend.Port), remote]));
        await using var proxy = await ProxyHarness.StartAsync(Listen with { NodePortAddress = IPAddress.Loopback }, ProxyMode.Listen, catalog);

        Assert.Equal((200, Body(1)), await HealthAsync(health));
        Assert.Equal(new HealthCheckStatus(health, 1, 1), Assert.Single(proxy.Proxy.GetStatus().Services).HealthCheck);

        // The only local endpoint goes: 503, still answering; then the port moves.
        await proxy.PublishAsync(new CatalogBuilder()
            .Service("lb", "10.96.0.12", [NodePort(NamedTcp, nodePort)]).HealthChecked("lb", health)
            .Endpoints("lb", [remote]));
        Assert.Equal((503, Body(0)), await HealthAsync(health));
        var moved = ClosedPort();
        await proxy.PublishAsync(new CatalogBuilder()
            .Service("lb", "10.96.0.12", [NodePort(NamedTcp, nodePort)]).HealthChecked("lb", moved)
            .Endpoints("lb", [Ep(backend.Port)]));
        Assert.Equal((200, Body(1)), await HealthAsync(moved));
        var gone = await Assert.ThrowsAsync<SocketException>(() => HealthAsync(health));
        Assert.Equal(SocketError.ConnectionRefused, gone.SocketErrorCode);

        static string Body(int local) => $$"""{"service":{"namespace":"demo","name":"lb"},"localEndpoints":{{local}},"serviceProxyHealthy":true}""";
    }

    // One GET to a health check node port, as a load balancer probes it: status and body.
    private static async Task<(int Status, string Body)> HealthAsync(int port)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(IPAddress.Loopback, port);
        await s.SendAsync("GET /healthz HTTP/1.1\r\nHost: node\r\n\r\n"u8.ToArray(), SocketFlags.None);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await s.ReceiveAsync(buffer, SocketFlags.None)) > 0) answer.Write(buffer, 0, n);
        var text = System.Text.Encoding.ASCII.GetString(answer.ToArray());
        Assert.StartsWith("HTTP/1.1 ", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/json\r\n", text, StringComparison.Ordinal);
        return (int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture), text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    [Fact]
    public async Task Udp_ThroughListenPort_EchoesDatagramsWhole()
    {
        await using var backend = new UdpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("dns", "10.96.0.53", [NamedUdp]).Endpoints("dns", [Ep(backend.Port, name: "dns", protocol: TransportProtocol.Udp)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.ConnectAsync(IPAddress.Loopback, proxy.ListenPort("dns", 53, TransportProtocol.Udp));
        await AssertUdpEchoAsync(client);
        Assert.Equal(1, Assert.Single(Assert.Single(proxy.Proxy.GetStatus().Services).Ports).Connections);
    }

    [Fact]
    public async Task Udp_IdleSession_IsClosed()
    {
        await using var backend = new UdpEchoServer();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("dns", "10.96.0.53", [NamedUdp]).Endpoints("dns", [Ep(backend.Port, name: "dns", protocol: TransportProtocol.Udp)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen with { UdpIdleTimeout = TimeSpan.FromMilliseconds(300) }, ProxyMode.Listen, catalog);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await client.ConnectAsync(IPAddress.Loopback, proxy.ListenPort("dns", 53, TransportProtocol.Udp));
        await AssertUdpEchoAsync(client);
        await Eventually.TrueAsync(() => proxy.Metrics.Active == 0, "idle UDP session closed");
    }

    [Fact]
    public async Task ListenPorts_StableAcrossCatalogChanges_AndInsideRange()
    {
        await using var backend = new TcpEchoServer();
        var catalog = new FakeCatalog();
        var builder = new CatalogBuilder().Service("web", "10.96.0.10", [NamedTcp]).Endpoints("web", [Ep(backend.Port)]);
        catalog.Publish(builder);
        await using var proxy = await ProxyHarness.StartAsync(Listen with { PortRange = new PortRange(21000, 21999) }, ProxyMode.Listen, catalog);
        var before = proxy.ListenPort("web", 80);
        Assert.InRange(before, 21000, 21999);

        await proxy.PublishAsync(builder.Service("api", "10.96.0.11", [Tcp(8080, 9090)]).Endpoints("web", [Ep(backend.Port), Ep(backend.Port + 1)]));
        Assert.Equal(before, proxy.ListenPort("web", 80));
        Assert.InRange(proxy.ListenPort("api", 8080), 21000, 21999);

        var status = proxy.Proxy.GetStatus();
        Assert.Equal("listen", status.Mode);
        // The host serializes the section as camelCase JSON.
        var json = System.Text.Json.JsonSerializer.Serialize<object>(status, System.Text.Json.JsonSerializerOptions.Web);
        Assert.Contains($"\"listenPort\":{before}", json, StringComparison.Ordinal);
        Assert.Contains("\"clusterIps\":[\"10.96.0.10\"]", json, StringComparison.Ordinal);
        Assert.Equal(before, status.Services.Single(s => s.Service == "demo/web").Ports[0].ListenPort);
    }

    [Fact]
    public async Task ServiceRemoved_ListenerClosed()
    {
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)]));
        await using var proxy = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog);
        var port = proxy.ListenPort("web", 80);
        await proxy.PublishAsync(new CatalogBuilder());
        Assert.Null(proxy.Proxy.ListenPortOf(Key("web"), 80, TransportProtocol.Tcp));
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var ex = await Assert.ThrowsAsync<SocketException>(async () => await s.ConnectAsync(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
        Assert.Empty(proxy.Proxy.GetStatus().Services);
    }

    internal static async Task AssertUdpEchoAsync(Socket client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[65535];
        foreach (var size in new[] { 1, 100, 1400, 8000 })
        {
            var payload = Enumerable.Range(0, size).Select(i => (byte)(i + size)).ToArray();
            await client.SendAsync(payload, SocketFlags.None, timeout.Token);
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.Equal(payload, buffer[..n]);
        }
    }
}
