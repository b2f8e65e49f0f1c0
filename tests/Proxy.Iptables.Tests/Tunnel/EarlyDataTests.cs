using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using PluginMesh.Plugins.Proxy.Iptables.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Tunnel;

/// <summary>
/// A fresh connection through the tunnel does not wait for the serving agent's answer before the
/// client's bytes flow: they go with the header. node-b here is scripted: it reads the header and
/// then the client's bytes <em>before</em> it answers, which only works if node-a sent them unasked.
/// A refusal still fails over (with the same bytes) or resets the client; a reset after the bytes
/// went out does not fail over, since an endpoint may have seen them.
/// </summary>
public sealed class EarlyDataTests
{
    private static readonly ProxyOptions Listen = new() { Mode = ProxyMode.Listen };
    private static readonly IPEndPoint First = new(IPAddress.Loopback, 1001);
    private static readonly IPEndPoint Second = new(IPAddress.Loopback, 1002);

    /// <summary>Service web with two endpoints on node-b (round robin tries <see cref="First"/> first).</summary>
    private static CatalogBuilder TwoOnNodeB() => new CatalogBuilder()
        .Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http")])
        .Endpoints("web", [.. new[] { First, Second }.Select(e => new MeshEndpoint(e.Address, "node-b", true, [new EndpointPort("http", e.Port, TransportProtocol.Tcp)]))]);

    /// <summary>node-b's tunnel side, scripted per target: <c>ok</c> (answer, then echo with a prefix), <c>refuse</c> or <c>reset</c>.</summary>
    private sealed class ScriptedNode
    {
        public ScriptedNode(FakeTunnelNetwork net, int earlyBytes, Func<IPEndPoint, string> behaviour) =>
            net.For("node-b").RegisterHandler(TunnelCodec.ProtocolId, async (stream, ct) =>
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(20));
                var (header, _) = await TunnelCodec.ReadHeaderAsync(stream.Stream, timeout.Token);
                // The client's bytes must arrive before we say anything.
                var early = new byte[earlyBytes];
                await stream.Stream.ReadExactlyAsync(early, timeout.Token);
                Seen.Enqueue((header!.Target, Encoding.UTF8.GetString(early)));
                switch (behaviour(header.Target))
                {
                    case "ok":
                        await TunnelCodec.WriteAnswerAsync(stream.Stream, TunnelStatus.Ok, null, timeout.Token);
                        await stream.Stream.WriteAsync(Encoding.UTF8.GetBytes("got:" + Encoding.UTF8.GetString(early)), timeout.Token);
                        await stream.CloseWriteAsync(timeout.Token);
                        break;
                    case "refuse":
                        await TunnelCodec.WriteAnswerAsync(stream.Stream, TunnelStatus.Refused, "connection refused", timeout.Token);
                        break;
                    default:
                        stream.Reset();
                        break;
                }
            });

        public ConcurrentQueue<(IPEndPoint Target, string Early)> Seen { get; } = new();
    }

    private static async Task<ProxyHarness> NodeAAsync(FakeTunnelNetwork net)
    {
        var catalog = new FakeCatalog();
        catalog.Publish(TwoOnNodeB());
        return await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalog, "node-a", net.For("node-a"));
    }

    [Fact]
    public async Task FreshConnection_ClientBytesTravelWithTheHeader_BeforeTheAnswer()
    {
        var net = new FakeTunnelNetwork();
        var b = new ScriptedNode(net, 5, _ => "ok");
        await using var a = await NodeAAsync(net);

        Assert.Equal("got:hello", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "hello"));
        Assert.Equal([(First, "hello")], b.Seen);
        var port = a.Proxy.GetStatus().Services.Single().Ports[0];
        Assert.Equal((1L, 5L, 0L), (port.Connections, port.BytesIn, port.DialFailures));
    }

    [Fact]
    public async Task Refused_AfterTheBytesWentOut_FailsOverWithTheSameBytes()
    {
        var net = new FakeTunnelNetwork();
        var b = new ScriptedNode(net, 7, target => target.Equals(First) ? "refuse" : "ok");
        await using var a = await NodeAAsync(net);

        Assert.Equal("got:replay!", await ProxyHarness.EchoAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "replay!"));
        Assert.Equal([(First, "replay!"), (Second, "replay!")], b.Seen);
        var port = a.Proxy.GetStatus().Services.Single().Ports[0];
        // Counted once, as delivered.
        Assert.Equal((1L, 7L, 1L), (port.Connections, port.BytesIn, port.DialFailures));
    }

    [Fact]
    public async Task Refused_ByEveryEndpoint_ClientThatAlreadySpokeSeesAReset()
    {
        var net = new FakeTunnelNetwork();
        var b = new ScriptedNode(net, 4, _ => "refuse");
        await using var a = await NodeAAsync(net);

        await AssertResetAfterSendingAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "ping");
        Assert.Equal([First, Second], b.Seen.Select(s => s.Target));
        Assert.Equal(0, a.Metrics.Active);
    }

    [Fact]
    public async Task ResetWithoutAnAnswer_AfterTheBytesWentOut_IsNotFailedOver()
    {
        var net = new FakeTunnelNetwork();
        var b = new ScriptedNode(net, 4, target => target.Equals(First) ? "reset" : "ok");
        await using var a = await NodeAAsync(net);

        await AssertResetAfterSendingAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "once");
        // The first node may have delivered them: they are not sent to the second endpoint.
        Assert.Equal([First], b.Seen.Select(s => s.Target));
        Assert.Equal(1, a.Proxy.GetStatus().Services.Single().Ports[0].DialFailures);
    }

    [Fact]
    public async Task RealServingAgent_RefusedTarget_ClientThatAlreadySpokeSeesACleanReset()
    {
        var dead = Forwarding.ListenModeTests.ClosedPort();
        var catalog = new CatalogBuilder().Service("web", "10.96.0.10", [new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http")])
            .Endpoints("web", [new MeshEndpoint(IPAddress.Loopback, "node-b", true, [new EndpointPort("http", dead, TransportProtocol.Tcp)])]);
        var net = new FakeTunnelNetwork();
        var (catalogA, catalogB) = (new FakeCatalog(), new FakeCatalog());
        catalogA.Publish(catalog);
        catalogB.Publish(catalog);
        await using var b = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogB, "node-b", net.For("node-b"));
        await using var a = await ProxyHarness.StartAsync(Listen, ProxyMode.Listen, catalogA, "node-a", net.For("node-a"));

        await AssertResetAfterSendingAsync(new IPEndPoint(IPAddress.Loopback, a.ListenPort("web", 80)), "GET / HTTP/1.0\r\n\r\n");
        Assert.Equal(1, a.Proxy.GetStatus().Services.Single().Ports[0].DialFailures);
    }

    /// <summary>Connects, sends at once, and expects a reset (on the send or the read), never a hang or a clean end.</summary>
    private static async Task AssertResetAfterSendingAsync(IPEndPoint target, string payload)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var ex = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            await s.ConnectAsync(target, timeout.Token);
            await s.SendAsync(Encoding.UTF8.GetBytes(payload), SocketFlags.None, timeout.Token);
            var n = await s.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token);
            Assert.Fail($"read {n} bytes instead of a reset");
        });
        Assert.Equal(SocketError.ConnectionReset, ex.SocketErrorCode);
    }
}
