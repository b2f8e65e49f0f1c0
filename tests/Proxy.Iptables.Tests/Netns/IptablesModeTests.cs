using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Proxy.Iptables.Netns;
using PluginMesh.Plugins.Proxy.Iptables.Rules;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using static PluginMesh.Plugins.Proxy.Iptables.Tests.Support.CatalogBuilder;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Netns;

/// <summary>
/// iptables mode with real rules, in a namespace per test (never the root namespace): the proxy
/// runs its iptables commands through <c>ip netns exec</c> and creates its sockets in the namespace.
/// </summary>
[Collection(NetnsCollection.Name)]
public sealed class IptablesModeTests
{
    public static TheoryData<string> Backends => new() { "iptables-nft", "iptables-legacy" };

    private static ProxyOptions Options(TestNetns ns, string binary) =>
        new() { Mode = ProxyMode.Iptables, Netns = ns.Name, IptablesBinary = binary, TcpPort = 15001 };

    private static CatalogBuilder Catalog(int tcpPort, int udpPort) => new CatalogBuilder()
        .Service("web", "10.96.0.10", [Tcp(80, tcpPort)]).Endpoints("web", ("127.0.0.1", "node-a"))
        .Service("dns", "10.96.0.53", [Udp(53, udpPort)]).Endpoints("dns", ("127.0.0.1", "node-a"));

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ClusterIp_TcpAndUdp_ReachBackend_RulesGoneAfterStop(string binary)
    {
        using var ns = TestNetns.Create();
        using var sockets = new NetnsSocketFactory(ns.Name);
        await using var tcp = new TcpEchoServer(IPAddress.Loopback, sockets);
        await using var udp = new UdpEchoServer(IPAddress.Loopback, sockets);
        var catalog = new FakeCatalog();
        catalog.Publish(Catalog(tcp.Port, udp.Port));
        await using var proxy = await ProxyHarness.StartAsync(Options(ns, binary), ProxyMode.Iptables, catalog);

        Assert.Equal("to the ClusterIP", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "to the ClusterIP", sockets));
        using (var client = sockets.Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await client.ConnectAsync(IPAddress.Parse("10.96.0.53"), 53);
            await ListenModeTests.AssertUdpEchoAsync(client);
        }

        var status = proxy.Proxy.GetStatus();
        Assert.Equal("iptables", status.Mode);
        Assert.Equal(2, status.Rules!.Rules);
        Assert.Equal(binary, status.Rules.Binary);
        Assert.Null(status.Rules.LastError);
        Assert.Contains("-A PLUGINMESH-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001", Save(ns, binary), StringComparison.Ordinal);

        await proxy.StopAsync();
        Assert.DoesNotContain("PLUGINMESH", Save(ns, binary), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task PodInOtherNamespace_ThroughPrerouting_ReachesBackend(string binary)
    {
        await using var net = NodeAndClient.Create();
        var (podSockets, tcp) = (net.ClientSockets, net.Tcp);
        var catalog = new FakeCatalog();
        catalog.Publish(Catalog(tcp.Port, net.Udp.Port));
        await using var proxy = await ProxyHarness.StartAsync(Options(net.Node, binary), ProxyMode.Iptables, catalog);

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "from the pod " + i, podSockets)));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => "from the pod " + i), replies);
        using (var client = podSockets.Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await client.ConnectAsync(IPAddress.Parse("10.96.0.53"), 53);
            await ListenModeTests.AssertUdpEchoAsync(client);
        }
        Assert.Equal(20, tcp.Accepted);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task NodePortAndExternalIp_FromOutsideTheNode_ReachLocalEndpoint_LocalPolicyWithoutOneResets(string binary)
    {
        await using var net = NodeAndClient.Create();
        var (node, clientSockets, tcp, udp) = (net.Node, net.ClientSockets, net.Tcp, net.Udp);
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("web", "10.96.0.10", [NodePort(Tcp(80, tcp.Port), 30080)]).Exposed("web", ExternalTrafficPolicy.Cluster, "192.168.77.7")
            .Endpoints("web", ("127.0.0.1", "node-a"))
            .Service("dns", "10.96.0.53", [NodePort(Udp(53, udp.Port), 30053)]).Endpoints("dns", ("127.0.0.1", "node-a"))
            .Service("elsewhere", "10.96.0.11", [NodePort(Tcp(80, tcp.Port), 30081)]).Exposed("elsewhere", ExternalTrafficPolicy.Local)
            .Endpoints("elsewhere", ("127.0.0.1", "node-b")));
        await using var proxy = await ProxyHarness.StartAsync(Options(node, binary), ProxyMode.Iptables, catalog);

        // The client is another namespace behind a veth: its packets enter the node through PREROUTING.
        Assert.Equal("node port", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.1.0.1"), 30080), "node port", clientSockets));
        Assert.Equal("external IP", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("192.168.77.7"), 80), "external IP", clientSockets));
        using (var socket = clientSockets.Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await socket.ConnectAsync(IPAddress.Parse("10.1.0.1"), 30053);
            await ListenModeTests.AssertUdpEchoAsync(socket);
        }
        // Local policy, endpoint only on node-b: refused here, not carried to node-b.
        await ProxyHarness.AssertResetAsync(new IPEndPoint(IPAddress.Parse("10.1.0.1"), 30081), clientSockets);
        Assert.Equal(2, tcp.Accepted);

        var save = Save(node, binary);
        Assert.Contains("-A PLUGINMESH-SERVICES -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REDIRECT --to-ports 15001", save, StringComparison.Ordinal);
        Assert.Contains("-A PLUGINMESH-SERVICES -d 192.168.77.7/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001", save, StringComparison.Ordinal);
        // Saved rules equal what was applied, so the periodic check does not reinstall every 30 s.
        Assert.True(await proxy.Interceptor!.VerifyAsync(CancellationToken.None));
        var web = proxy.Proxy.GetStatus().Services.Single(s => s.Service == "demo/web");
        Assert.Equal(["192.168.77.7"], web.ExternalIps!);
        // The node port and the external IP share the external entry; the ClusterIP entry saw nothing.
        Assert.Equal([(false, (int?)null, 0L), (true, 30080, 2L)], web.Ports.Select(p => (p.External, p.NodePort, p.Connections)));
        Assert.Equal(2, proxy.Proxy.GetStatus().EventLoop!.Relayed);

        await proxy.StopAsync();
        Assert.DoesNotContain("PLUGINMESH", Save(node, binary), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task DualStackService_Ipv6ClusterIpAndNodePort_TcpAndUdp_FromPodAndNode_ReachBackend_Ip6tablesRulesGoneAfterStop(string binary)
    {
        await using var net = NodeAndClient.Create();
        var (node, podSockets, tcp, udp) = (net.Node, net.ClientSockets, net.Tcp, net.Udp);
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("web", "10.96.0.10", [NodePort(Tcp(80, tcp.Port), 30080)]).DualStack("web", "fd00:96::10").Endpoints("web", ("127.0.0.1", "node-a"))
            .Service("dns", "10.96.0.53", [Udp(53, udp.Port)]).DualStack("dns", "fd00:96::53").Endpoints("dns", ("127.0.0.1", "node-a"))
            .Service("v4only", "10.96.0.11", [NodePort(Tcp(80, tcp.Port), 30081)]).Endpoints("v4only", ("127.0.0.1", "node-a")));
        await using var proxy = await ProxyHarness.StartAsync(Options(node, binary), ProxyMode.Iptables, catalog);

        // A pod (PREROUTING) and the node itself (OUTPUT) over IPv6; the endpoint is the same IPv4 one.
        Assert.Equal("pod v6", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("fd00:96::10"), 80), "pod v6", podSockets));
        Assert.Equal("node v6", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("fd00:96::10"), 80), "node v6", net.NodeSockets));
        Assert.Equal("pod v4", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "pod v4", podSockets));
        // The dual-stack Service's node port on the node's IPv6 address; an IPv4-only Service's is not there.
        Assert.Equal("node port v6", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("fd00:1::1"), 30080), "node port v6", podSockets));
        foreach (var sockets in new[] { podSockets, net.NodeSockets })
        {
            using var client = sockets.Create(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            await client.ConnectAsync(IPAddress.Parse("fd00:96::53"), 53);
            await ListenModeTests.AssertUdpEchoAsync(client);
        }
        Assert.Equal(4, tcp.Accepted);

        var rules = proxy.Proxy.GetStatus().Rules!;
        Assert.Equal((binary.Replace("iptables", "ip6tables", StringComparison.Ordinal), 3, true, (string?)null),
            (rules.Ipv6!.Binary, rules.Ipv6.Rules, rules.Ipv6.Listener, rules.Ipv6.Problem));
        Assert.Equal(5 + 3, rules.Rules); // IPv4: three ClusterIPs and two node ports
        var save6 = Save(node, binary.Replace("iptables", "ip6tables", StringComparison.Ordinal));
        Assert.Equal(
            [
                "-d fd00:96::10/128 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001",
                $"-d fd00:96::53/128 -p udp -m udp --dport 53 -j REDIRECT --to-ports {proxy.Proxy.ListenPortOf(new ServiceKey("demo", "dns"), 53, TransportProtocol.Udp)}",
                "-p tcp -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REDIRECT --to-ports 15001",
            ],
            SavedNatState.Parse(save6).Rules);
        Assert.True(await proxy.Interceptor!.VerifyAsync(CancellationToken.None));

        await proxy.StopAsync();
        Assert.DoesNotContain("PLUGINMESH", Save(node, binary.Replace("iptables", "ip6tables", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.DoesNotContain("PLUGINMESH", Save(node, binary), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task LocalPolicy_NodePortAndExternalIp_EndpointSeesTheClientsAddress_TcpUdpIpv6_OtherwiseTheNodes_SetupGoneAfterStop(string binary)
    {
        await using var net = NodeAndClient.Create();
        // The endpoint is a pod of its own behind the node (10.2.0.2), as a real one is, not the node's loopback.
        using var pod = net.Node.CreatePod(2);
        using var podSockets = new NetnsSocketFactory(pod.Name);
        await using var endpoint = new TcpEchoServer(IPAddress.Any, podSockets);
        await using var udpEndpoint = new UdpEchoServer(IPAddress.Any, podSockets);
        await using var endpoint6 = new TcpEchoServer(IPAddress.IPv6Any, podSockets);
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder()
            .Service("local6", "10.96.0.13", [NodePort(Tcp(80, endpoint6.Port), 30086)]).DualStack("local6", "fd00:96::13").Exposed("local6", ExternalTrafficPolicy.Local)
            .Endpoints("local6", ("fd00:2::2", "node-a"))
            .Service("local", "10.96.0.10", [NodePort(Tcp(80, endpoint.Port), 30080)]).Exposed("local", ExternalTrafficPolicy.Local, "192.168.77.7")
            .Endpoints("local", ("10.2.0.2", "node-a"))
            .Service("syslog", "10.96.0.12", [NodePort(Udp(514, udpEndpoint.Port), 30514)]).Exposed("syslog", ExternalTrafficPolicy.Local)
            .Endpoints("syslog", ("10.2.0.2", "node-a"))
            .Service("cluster", "10.96.0.11", [NodePort(Tcp(80, endpoint.Port), 30081)]).Endpoints("cluster", ("10.2.0.2", "node-a")));
        await using var proxy = await ProxyHarness.StartAsync(Options(net.Node, binary), ProxyMode.Iptables, catalog);
        // Set up after start, off the start path; until then endpoints see the node's address.
        await Eventually.TrueAsync(() => proxy.Proxy.GetStatus().ClientSource is { Ready: true, Ipv6Ready: true }, "client addresses kept");

        var client = net.ClientSockets;
        Assert.Equal("local node port", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.1.0.1"), 30080), "local node port", client));
        Assert.Equal("local external IP", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("192.168.77.7"), 80), "local external IP", client));
        Assert.Equal("cluster node port", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.1.0.1"), 30081), "cluster node port", client));
        Assert.Equal("cluster IP", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "cluster IP", client));
        // Local policy: the client's own address, as with kube-proxy; Cluster policy and ClusterIPs: the node's.
        Assert.Equal(["10.1.0.2", "10.1.0.2", "10.2.0.1", "10.2.0.1"], endpoint.Peers.Select(p => p.ToString()));
        // A UDP session to a Local node port too (a syslog collector sees who sent the lines).
        using (var socket = client.Create(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await socket.ConnectAsync(IPAddress.Parse("10.1.0.1"), 30514);
            await ListenModeTests.AssertUdpEchoAsync(socket);
        }
        Assert.Equal(["10.1.0.2"], udpEndpoint.Peers.Select(p => p.ToString()).Distinct());
        // IPv6: a dual-stack Service's node port on the node's IPv6 address, to an IPv6 endpoint.
        Assert.Equal("v6", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("fd00:1::1"), 30086), "v6", client));
        Assert.Equal(["fd00:1::2"], endpoint6.Peers.Select(p => p.ToString()));

        var status = proxy.Proxy.GetStatus().ClientSource!;
        Assert.Equal((true, "0x100000", 19792, 4L, (string?)null, true, (string?)null),
            (status.Ready, status.Mark, status.Table, status.Kept, status.Problem, status.Ipv6Ready, status.Ipv6Problem));
        var mangle = net.Node.Exec(null, binary + "-save", "-t", "mangle");
        Assert.Contains("-A PLUGINMESH-SOURCE -m mark --mark 0x200000/0x200000 -j CONNMARK --set-xmark 0x100000/0x100000", mangle, StringComparison.Ordinal);
        Assert.Contains("fwmark 0x100000/0x100000 lookup 19792", net.Node.Exec(null, "ip", "rule", "show"), StringComparison.Ordinal);
        Assert.Contains("fwmark 0x100000/0x100000 lookup 19792", net.Node.Exec(null, "ip", "-6", "rule", "show"), StringComparison.Ordinal);

        await proxy.StopAsync();
        Assert.DoesNotContain("PLUGINMESH", net.Node.Exec(null, binary + "-save", "-t", "mangle"), StringComparison.Ordinal);
        Assert.DoesNotContain("19792", net.Node.Exec(null, "ip", "rule", "show"), StringComparison.Ordinal);
        Assert.Equal("", net.Node.Exec(null, "ip", "route", "show", "table", "19792").Trim());
        Assert.DoesNotContain("PLUGINMESH", net.Node.Exec(null, binary.Replace("iptables", "ip6tables", StringComparison.Ordinal) + "-save", "-t", "mangle"), StringComparison.Ordinal);
        Assert.DoesNotContain("19792", net.Node.Exec(null, "ip", "-6", "rule", "show"), StringComparison.Ordinal);
        Assert.Equal("", net.Node.Exec(null, "ip", "-6", "route", "show", "table", "19792").Trim());
    }

    [Fact]
    public async Task Ip6tablesUnusable_Ipv4StillIntercepted_StatusSaysWhy()
    {
        // iptablesBinary names a wrapper: its ip6tables counterpart cannot be guessed, so IPv6 rules fail.
        var dir = Directory.CreateTempSubdirectory("pm-wrap-");
        try
        {
            foreach (var (name, target) in new[] { ("wrap", "iptables-nft"), ("wrap-save", "iptables-nft-save"), ("wrap-restore", "iptables-nft-restore") })
            {
                var path = Path.Combine(dir.FullName, name);
                File.WriteAllText(path, $"#!/bin/sh\nexec {target} \"$@\"\n");
                Shell.Run("chmod", "700", path);
            }
            await using var net = NodeAndClient.Create();
            var catalog = new FakeCatalog();
            catalog.Publish(new CatalogBuilder()
                .Service("web", "10.96.0.10", [Tcp(80, net.Tcp.Port)]).DualStack("web", "fd00:96::10").Endpoints("web", ("127.0.0.1", "node-a")));
            await using var proxy = await ProxyHarness.StartAsync(Options(net.Node, Path.Combine(dir.FullName, "wrap")), ProxyMode.Iptables, catalog);

            Assert.Equal("v4", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "v4", net.ClientSockets));
            var rules = proxy.Proxy.GetStatus().Rules!;
            Assert.Null(rules.LastError);
            Assert.Equal(1, rules.Rules);
            Assert.Equal((0, true), (rules.Ipv6!.Rules, rules.Ipv6.Listener));
            Assert.Contains("is not named iptables*", rules.Ipv6.Problem, StringComparison.Ordinal);
            // The periodic check does not count the missing IPv6 rules as tampering every 30 s: it tries
            // them again (a full sync), and IPv4 stays as it is.
            Assert.False(await proxy.Interceptor!.VerifyAsync(CancellationToken.None));
            Assert.Equal("v4 again", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "v4 again", net.ClientSockets));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Start_WithLeftoversFromCrashedRun_ReplacesThem(string binary)
    {
        using var ns = TestNetns.Create();
        ns.Exec("""
            *nat
            :PLUGINMESH-SERVICES - [0:0]
            -A PREROUTING -m comment --comment "pluginmesh service portals" -j PLUGINMESH-SERVICES
            -A PREROUTING -m comment --comment "pluginmesh service portals" -j PLUGINMESH-SERVICES
            -A OUTPUT -j PLUGINMESH-SERVICES
            -A PLUGINMESH-SERVICES -d 10.96.9.9/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9999
            COMMIT

            """, binary + "-restore", "--noflush");
        using var sockets = new NetnsSocketFactory(ns.Name);
        await using var tcp = new TcpEchoServer(IPAddress.Loopback, sockets);
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, tcp.Port)]).Endpoints("web", ("127.0.0.1", "node-a")));
        await using var proxy = await ProxyHarness.StartAsync(Options(ns, binary), ProxyMode.Iptables, catalog);

        var state = SavedNatState.Parse(Save(ns, binary));
        Assert.True(state.JumpsFirst);
        Assert.Equal(2, state.JumpLines.Count);
        Assert.Equal(["-d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 15001"], state.Rules);
        Assert.Equal("ok", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "ok", sockets));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task KubeProxyPresent_OurJumpGoesFirst_KubeChainUntouched(string binary)
    {
        using var ns = TestNetns.Create();
        // A kube-proxy stand-in that would DNAT the same ClusterIP somewhere dead.
        const string kube = """
            *nat
            :KUBE-SERVICES - [0:0]
            -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
            -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
            -A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.99:1
            COMMIT

            """;
        ns.Exec(kube, binary + "-restore", "--noflush");
        using var sockets = new NetnsSocketFactory(ns.Name);
        await using var tcp = new TcpEchoServer(IPAddress.Loopback, sockets);
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, tcp.Port)]).Endpoints("web", ("127.0.0.1", "node-a")));
        await using var proxy = await ProxyHarness.StartAsync(Options(ns, binary), ProxyMode.Iptables, catalog);

        var save = Save(ns, binary);
        Assert.True(SavedNatState.Parse(save).JumpsFirst);
        Assert.Equal("mesh wins", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), "mesh wins", sockets));

        await proxy.StopAsync();
        var after = Save(ns, binary);
        Assert.DoesNotContain("PLUGINMESH", after, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.99:1", after, StringComparison.Ordinal);
        Assert.Contains("-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", after, StringComparison.Ordinal);
        Assert.Contains("-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RulesFlushedBySomeoneElse_VerifyDetects_NextSyncRepairs()
    {
        const string binary = "iptables-nft";
        using var ns = TestNetns.Create();
        var catalog = new FakeCatalog();
        var builder = new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)]);
        catalog.Publish(builder);
        await using var proxy = await ProxyHarness.StartAsync(Options(ns, binary), ProxyMode.Iptables, catalog);
        Assert.True(await proxy.Interceptor!.VerifyAsync(CancellationToken.None));

        ns.Exec(null, binary, "-t", "nat", "-F", "PLUGINMESH-SERVICES");
        Assert.False(await proxy.Interceptor.VerifyAsync(CancellationToken.None));

        await proxy.PublishAsync(builder.Service("api", "10.96.0.11", [Tcp(80, 8080)]));
        Assert.Equal("install", proxy.Interceptor.LastSyncKind);
        Assert.Equal(2, SavedNatState.Parse(Save(ns, binary)).Rules.Count);
        Assert.True(await proxy.Interceptor.VerifyAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Start_IptablesMissing_FailsNamingThePlugin_StopStillSafe()
    {
        using var ns = TestNetns.Create();
        var catalog = new FakeCatalog();
        catalog.Publish(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)]));
        var options = new ProxyOptions { Mode = ProxyMode.Iptables, Netns = ns.Name, IptablesBinary = "/nonexistent/iptables", TcpPort = 0 };
        var ex = await Assert.ThrowsAsync<PluginMesh.Abstractions.Plugins.PluginMeshException>(() => ProxyHarness.StartAsync(options, ProxyMode.Iptables, catalog));
        Assert.StartsWith("[proxy.iptables] read nat table", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iptables-legacy", "legacy")]
    [InlineData("iptables-nft", "nf_tables")]
    public async Task Detect_BackendHoldingKubeRules_Wins(string withKube, string expectedBackend)
    {
        using var ns = TestNetns.Create();
        ns.Exec("*nat\n:KUBE-SERVICES - [0:0]\n-A OUTPUT -j KUBE-SERVICES\nCOMMIT\n", withKube + "-restore", "--noflush");
        var tools = await BackendDetector.DetectAsync(new CommandRunner(ns.Name), null, CancellationToken.None);
        Assert.Equal((withKube, expectedBackend), (tools.Binary, tools.Backend));
    }

    [Fact]
    public async Task Detect_Configured_Wins()
    {
        using var ns = TestNetns.Create();
        var tools = await BackendDetector.DetectAsync(new CommandRunner(ns.Name), "iptables-legacy", CancellationToken.None);
        Assert.Equal(("iptables-legacy", "legacy", "iptables-legacy-restore"), (tools.Binary, tools.Backend, tools.Restore));
    }

    [Fact]
    public void NetnsSocketFactory_MissingNamespace_FailsNamingIt()
    {
        var ex = Assert.Throws<PluginMesh.Abstractions.Plugins.PluginMeshException>(() => new NetnsSocketFactory(TestNetns.Prefix + "does-not-exist"));
        Assert.StartsWith("[proxy.iptables] enter netns " + TestNetns.Prefix + "does-not-exist", ex.Message, StringComparison.Ordinal);
    }

    internal static string Save(TestNetns ns, string binary) => ns.Exec(null, binary + "-save", "-t", "nat");

    /// <summary>
    /// A node namespace with TCP and UDP echo backends on its loopback, and a second namespace wired
    /// to it over a veth (<see cref="TestNetns.CreatePod"/>), whose traffic enters the node through PREROUTING.
    /// </summary>
    private sealed class NodeAndClient : IAsyncDisposable
    {
        private NodeAndClient(TestNetns node, TestNetns client)
        {
            (Node, Client) = (node, client);
            NodeSockets = new NetnsSocketFactory(node.Name);
            ClientSockets = new NetnsSocketFactory(client.Name);
            Tcp = new TcpEchoServer(IPAddress.Loopback, NodeSockets);
            Udp = new UdpEchoServer(IPAddress.Loopback, NodeSockets);
        }

        public TestNetns Node { get; }

        public TestNetns Client { get; }

        public NetnsSocketFactory NodeSockets { get; }

        public NetnsSocketFactory ClientSockets { get; }

        public TcpEchoServer Tcp { get; }

        public UdpEchoServer Udp { get; }

        public static NodeAndClient Create()
        {
            var node = TestNetns.Create();
            TestNetns? client = null;
            try
            {
                client = node.CreatePod();
                return new NodeAndClient(node, client);
            }
            catch
            {
                // Namespaces go even when the setup fails half-way.
                client?.Dispose();
                node.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Udp.DisposeAsync();
            await Tcp.DisposeAsync();
            ClientSockets.Dispose();
            NodeSockets.Dispose();
            Client.Dispose();
            Node.Dispose();
        }
    }
}
