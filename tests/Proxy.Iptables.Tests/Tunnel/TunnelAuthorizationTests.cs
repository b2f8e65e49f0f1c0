using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using PluginMesh.Plugins.Proxy.Iptables.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Tunnel;

/// <summary>
/// Attack: what a peer may make node-b's agent dial. Every target is a real listening socket, so a
/// refusal is the authorizer's doing (the backend sees no connection), while a legitimate request on
/// the same agent is carried end to end.
/// </summary>
[Trait("Category", "Attack")]
public sealed class TunnelAuthorizationTests
{
    private static readonly ProxyOptions Listen = new() { Mode = ProxyMode.Listen };

    /// <summary>web has one endpoint on node-b (127.0.0.1) and one on node-c (127.0.0.2); the API server is 127.0.0.3.</summary>
    private static CatalogBuilder Catalog(int webB, int webC, int api) => new CatalogBuilder()
        .Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http")])
        .Endpoints("web", [
            new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("http", webB, TransportProtocol.Tcp)]),
            new MeshEndpoint(IPAddress.Parse("127.0.0.2"), "node-c", true, [new EndpointPort("http", webC, TransportProtocol.Tcp)]),
        ])
        .Service("default/kubernetes", "10.96.0.1", [new ServicePort("https", 443, TransportProtocol.Tcp, api)])
        .Endpoints("default/kubernetes", [new MeshEndpoint(IPAddress.Parse("127.0.0.3"), null, true, [])])
        .BoundNode("node-a").BoundNode("node-b").BoundNode("node-c");

    private static async Task<(TunnelStatus? Status, string? Reason)> AskAsync(FakeTunnelNetwork net, string from, IPAddress address, int port)
    {
        var (stream, status, failure, reason) = await TunnelClient.OpenAsync(net.For(from), "node-b",
            new TunnelHeader(TransportProtocol.Tcp, new IPEndPoint(address, port)), CancellationToken.None);
        Assert.Null(failure);
        if (stream is not null) await stream.DisposeAsync();
        return (status, reason);
    }

    [Fact]
    public async Task Server_RefusesControlPlaneOtherNodeOutsiderAndNonMember_WhileALegitimateRequestIsCarried()
    {
        await using var webB = new TcpEchoServer(IPAddress.Loopback);
        await using var webC = new TcpEchoServer(IPAddress.Parse("127.0.0.2"));
        await using var api = new TcpEchoServer(IPAddress.Parse("127.0.0.3"));
        await using var stray = new TcpEchoServer(IPAddress.Loopback);
        await using var kubelet = new TcpEchoServer(IPAddress.Parse("127.0.0.4"), port: 10250);
        using var metrics = new ProxyMeasurements();

        var net = new FakeTunnelNetwork();
        var catalog = Catalog(webB.Port, webC.Port, api.Port);
        var catalogB = new FakeCatalog();
        catalogB.Publish(catalog);
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        metrics.Watch(b);

        var cases = new (string From, IPAddress Address, int Port, string Reason)[]
        {
            ("node-a", IPAddress.Parse("127.0.0.3"), api.Port, "control_plane:"),
            ("node-a", IPAddress.Parse("127.0.0.4"), 10250, "control_plane:"),
            ("node-a", IPAddress.Parse("127.0.0.2"), webC.Port, "not_on_this_node:"),
            ("node-a", IPAddress.Loopback, stray.Port, "not_in_catalog:"),
            ("node-x", IPAddress.Loopback, webB.Port, "not_member:"),
        };
        foreach (var (from, address, port, reason) in cases)
        {
            var (status, text) = await AskAsync(net, from, address, port);
            Assert.Equal(TunnelStatus.NotAllowed, status);
            Assert.StartsWith(reason, text, StringComparison.Ordinal);
        }
        Assert.Equal(0, api.Accepted + kubelet.Accepted + webC.Accepted + stray.Accepted + webB.Accepted);

        // The same agent carries a member's request for an endpoint on its own node.
        var (ok, _) = await AskAsync(net, "node-a", IPAddress.Loopback, webB.Port);
        Assert.Equal(TunnelStatus.Ok, ok);
        await Eventually.TrueAsync(() => webB.Accepted == 1, "the legitimate request reached node-b's endpoint");

        var expected = new Dictionary<string, long> { ["control_plane"] = 2, ["not_in_catalog"] = 1, ["not_member"] = 1, ["not_on_this_node"] = 1 };
        Assert.Equal(expected, b.Proxy.GetStatus().TunnelRefused);
        Assert.Equal(expected, metrics.Snapshot().Where(m => m.Name == "pluginmesh.proxy.tunnel.refused")
            .GroupBy(m => (string)m.Tags["reason"]!).ToDictionary(g => g.Key, g => g.Sum(m => m.Value)));
    }

    [Fact]
    public async Task Server_AgentsOwnAdminPort_IsControlPlane_EvenAsACatalogEndpointOnThisNode()
    {
        await using var admin = new TcpEchoServer(IPAddress.Parse("127.0.0.5"));
        var net = new FakeTunnelNetwork();
        var catalogB = new FakeCatalog();
        catalogB.Publish(new CatalogBuilder()
            .Service("sneaky", "10.96.0.66", [new ServicePort("http", 80, TransportProtocol.Tcp, admin.Port)])
            .Endpoints("sneaky", [new MeshEndpoint(IPAddress.Parse("127.0.0.5"), "node-b", true, [])]));
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"), adminPort: admin.Port);
        Assert.StartsWith("control_plane:", (await AskAsync(net, "node-a", IPAddress.Parse("127.0.0.5"), admin.Port)).Reason, StringComparison.Ordinal);
        Assert.Equal(0, admin.Accepted);
    }

    [Fact]
    public async Task Server_ServedCidrAndAllowedControlPlane_AreDialed()
    {
        await using var webC = new TcpEchoServer(IPAddress.Parse("127.0.0.2"));
        await using var api = new TcpEchoServer(IPAddress.Parse("127.0.0.3"));
        var net = new FakeTunnelNetwork();
        var catalogB = new FakeCatalog();
        catalogB.Publish(Catalog(9, webC.Port, api.Port));
        // The API server's endpoint has no node: this agent serves it only from a served CIDR, and only when allowed.
        var serving = Listen with { TunnelServeCidrs = [IPNetwork.Parse("127.0.0.2/31")] };
        await using (var b = await ProxyHarness.StartAsync(serving, ProxyMode.Listen, catalogB, "node-b", net.For("node-b")))
        {
            Assert.Equal(TunnelStatus.Ok, (await AskAsync(net, "node-a", IPAddress.Parse("127.0.0.2"), webC.Port)).Status);
            Assert.StartsWith("control_plane:", (await AskAsync(net, "node-a", IPAddress.Parse("127.0.0.3"), api.Port)).Reason, StringComparison.Ordinal);
        }
        await using var allowing = await ProxyHarness.StartAsync(serving with { TunnelAllowControlPlane = true }, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        Assert.Equal(TunnelStatus.Ok, (await AskAsync(net, "node-a", IPAddress.Parse("127.0.0.3"), api.Port)).Status);
        Assert.Empty(allowing.Proxy.GetStatus().TunnelRefused);
        await Eventually.TrueAsync(() => api.Accepted == 1 && webC.Accepted == 1, "both dialed once");
    }

    [Fact]
    public async Task Server_NoBindingAnywhere_ServesEveryConnectedPeer_ButConnectedModeIsExplicitWhenBindingsExist()
    {
        await using var web = new TcpEchoServer(IPAddress.Loopback);
        var net = new FakeTunnelNetwork();
        var unbound = new CatalogBuilder()
            .Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, web.Port)])
            .Endpoints("web", [new MeshEndpoint(IPAddress.Loopback, "node-b", true, [])]);
        var catalogB = new FakeCatalog();
        catalogB.Publish(unbound);
        await using (var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b")))
        {
            Assert.Equal(TunnelStatus.Ok, (await AskAsync(net, "node-x", IPAddress.Loopback, web.Port)).Status);
            await b.PublishAsync(unbound.BoundNode("node-b"));
            Assert.StartsWith("not_member:", (await AskAsync(net, "node-x", IPAddress.Loopback, web.Port)).Reason, StringComparison.Ordinal);
        }
        await using var connected = await ProxyHarness.StartAsync(Listen with { TunnelMembers = TunnelMembers.Connected }, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        Assert.Equal(TunnelStatus.Ok, (await AskAsync(net, "node-x", IPAddress.Loopback, web.Port)).Status);
    }
}
