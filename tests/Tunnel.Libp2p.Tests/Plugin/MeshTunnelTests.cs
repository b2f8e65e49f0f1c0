using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Plugin;

public sealed class MeshTunnelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-tunnel-").FullName;

    [Fact]
    public async Task OpenStream_HandlerRegisteredBeforeStart_ServesThroughAbstractions()
    {
        var ct = TestTimeout.Token();
        await using var serverNode = Node("server");
        await using var clientNode = Node("client");
        var server = new MeshTunnel(serverNode);
        var client = new MeshTunnel(clientNode);
        using var registration = server.RegisterHandler("/test/upper/1.0.0", async (stream, token) =>
        {
            using var reader = new StreamReader(stream.Stream);
            var text = await reader.ReadToEndAsync(token);
            var bytes = System.Text.Encoding.ASCII.GetBytes(text.ToUpperInvariant() + " from " + stream.Remote.PeerId);
            await stream.Stream.WriteAsync(bytes, token);
            await stream.CloseWriteAsync(token);
        });
        await serverNode.StartAsync(ct);
        await clientNode.StartAsync(ct);
        var addr = serverNode.Host!.ListenAddresses[0];

        await using var s = await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId, Addresses: [addr]), "/test/upper/1.0.0", ct).Opened();
        Assert.Equal(server.LocalPeerId, s.Remote.PeerId);
        await s.Stream.WriteAsync("hello"u8.ToArray(), ct);
        await s.CloseWriteAsync(ct);
        using var back = new StreamReader(s.Stream);
        Assert.Equal("HELLO from " + client.LocalPeerId, await back.ReadToEndAsync(ct));

        // Once Identify listed the protocol, it is proposed with the first bytes (no round trip).
        var connection = clientNode.Host!.Connections.Single(c => c.RemotePeerId == server.LocalPeerId);
        await Eventually.TrueAsync(() => connection.RemoteSupports("/test/upper/1.0.0"), "identify lists the protocol");
        await using var lazy = await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId), "/test/upper/1.0.0", ct).Opened();
        Assert.IsType<PluginMesh.Plugins.Tunnel.Libp2p.Multistream.LazySelectStream>(lazy.Stream);
        await lazy.Stream.WriteAsync("lazy"u8.ToArray(), ct);
        await lazy.CloseWriteAsync(ct);
        using var lazyBack = new StreamReader(lazy.Stream);
        Assert.Equal("LAZY from " + client.LocalPeerId, await lazyBack.ReadToEndAsync(ct));

        // A protocol the peer did not list is negotiated first, so "not supported" is still an open failure.
        var nope = await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId), "/nope/1", ct);
        Assert.False(nope.Ok);
        Assert.Equal(TunnelFailure.ProtocolNotSupported, nope.Failure);
    }

    [Fact]
    public async Task OpenStream_IsTraced_WithPathConnectionAndFailedPaths()
    {
        using var recorder = new SpanRecorder();
        var ct = TestTimeout.Token();
        await using var serverNode = Node("traced-server");
        await using var clientNode = Node("traced-client");
        var server = new MeshTunnel(serverNode);
        var client = new MeshTunnel(clientNode, activities: recorder.Source);
        using var registration = server.RegisterHandler("/test/sink/1.0.0", (stream, token) => stream.CloseWriteAsync(token).AsTask());
        await serverNode.StartAsync(ct);
        await clientNode.StartAsync(ct);
        var good = serverNode.Host!.ListenAddresses[0];
        var dead = await UnusedAddressAsync();

        // A dead address first: the failover default moves on to the good one, and the span says so.
        await (await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId, Addresses: [dead, good]), "/test/sink/1.0.0", ct).Opened()).DisposeAsync();
        await (await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId), "/test/sink/1.0.0", ct).Opened()).DisposeAsync();
        Assert.False((await client.OpenStreamAsync(new PeerTarget(Addresses: [dead]), "/test/sink/1.0.0", ct)).Ok);

        var all = recorder.Spans;
        Assert.Equal(3, all.Length);
        Assert.All(all, a => Assert.Equal("pluginmesh.tunnel.open", a.OperationName));
        var (first, second, failed) = (all[0], all[1], all[2]);
        Assert.Equal(("direct", "new", server.LocalPeerId.ToString()), ((string?)first.GetTagItem("pluginmesh.path"), (string?)first.GetTagItem("pluginmesh.connection"), (string?)first.GetTagItem("pluginmesh.peer")));
        Assert.Equal(2, first.GetTagItem("pluginmesh.attempts"));
        var failedPath = Assert.Single(first.Events);
        Assert.Equal("path.failed", failedPath.Name);
        Assert.Equal("refused", failedPath.Tags.First(t => t.Key == "pluginmesh.reason").Value);
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Unset, first.Status);
        Assert.Equal(("direct", "existing"), (second.GetTagItem("pluginmesh.path"), second.GetTagItem("pluginmesh.connection")));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, failed.Status);
        Assert.Null(failed.GetTagItem("pluginmesh.path"));
    }

    private static async Task<Multiaddr> UnusedAddressAsync()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await Task.Yield();
        return Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}");
    }

    [Fact]
    public async Task OpenStream_RefusedAddress_IsRefusedValue()
    {
        await using var node = Node("lonely");
        await node.StartAsync(TestTimeout.Token());
        var port = node.Host!.ListenAddresses[0].Components[1].ValueText();
        await node.StopAsync(default);
        await using var other = Node("dialer");
        await other.StartAsync(TestTimeout.Token());
        var opened = await new MeshTunnel(other).OpenStreamAsync(new PeerTarget(Addresses: [Multiaddr.Parse($"/ip4/127.0.0.1/tcp/{port}")]), "/x", TestTimeout.Token());
        Assert.False(opened.Ok);
        Assert.Equal(TunnelFailure.Refused, opened.Failure);
    }

    [Fact]
    public void ConnectTimeout_DirectAddressInAPlanWithARelay_IsShort_OtherwiseTheHostDefault()
    {
        var peer = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
        var direct = new PathCandidate(null, Multiaddr.Parse("/ip4/10.0.2.2/tcp/4001/p2p/" + peer));
        var circuit = new PathCandidate(null, Multiaddr.Parse("/ip4/203.0.113.11/tcp/4001/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/p2p-circuit/p2p/" + peer));
        var withRelay = new PathPlan(null, null, [direct, direct, circuit]);
        Assert.Equal(MeshTunnel.DirectConnectTimeoutWithRelay, MeshTunnel.ConnectTimeout(withRelay, 0));
        Assert.Equal(MeshTunnel.DirectConnectTimeoutWithRelay, MeshTunnel.ConnectTimeout(withRelay, 1));
        Assert.Null(MeshTunnel.ConnectTimeout(withRelay, 2));
        Assert.Null(MeshTunnel.ConnectTimeout(new PathPlan(null, null, [direct, direct]), 0));
        // A direct address ranked after the circuits (another LAN behind the peer's NAT): the relays failed first.
        Assert.Equal(MeshTunnel.DirectConnectTimeoutWithRelay, MeshTunnel.ConnectTimeout(new PathPlan(null, null, [circuit, direct]), 1));
    }

    [Fact]
    public async Task PathPlan_CircuitsThroughARelayWeAreConnectedTo_ComeFirst()
    {
        // After a relay dies its circuits stay in the peer's record for a while; the live relay's must not wait behind them.
        var ct = TestTimeout.Token();
        await using var node = Node("planner");
        await using var relay = Node("live-relay");
        await node.StartAsync(ct);
        await relay.StartAsync(ct);
        await node.Host!.DialAsync(relay.Host!.ListenAddresses[0].WithPeerId(relay.Host.PeerId), ct);
        var peer = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
        var dead = $"/ip4/198.51.100.1/tcp/4001/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/p2p-circuit/p2p/{peer}";
        var live = $"/ip4/198.51.100.2/tcp/4001/p2p/{relay.Host.PeerId}/p2p-circuit/p2p/{peer}";
        var direct = $"/ip4/198.51.100.9/tcp/4001/p2p/{peer}";
        var plan = PathPlan.Build(new PeerTarget(PeerId: PeerId.Parse(peer), Addresses: [Multiaddr.Parse(dead), Multiaddr.Parse(direct), Multiaddr.Parse(live)]), node.Host, null);
        Assert.Equal([direct, live, dead], plan.Candidates.Select(c => c.Address!.ToString()));
    }

    [Fact]
    public async Task PathPlan_WithRanking_DirectAddressesWeCannotExpectToReach_GoAfterTheCircuits()
    {
        // After a relay dies every new connection to a NATed peer is planned again: its LAN address behind
        // its NAT and its pod bridge's gateway never answer from here, and each tried before the circuit
        // held the request a connect timeout.
        var ct = TestTimeout.Token();
        await using var node = Node("ranked");
        var catalog = new PluginMesh.TestSupport.SnapshotCatalog();
        catalog.PublishNodes(new PluginMesh.Abstractions.Catalog.MeshNode("edge-7", ["10.244.7.0/24"], []));
        await node.StartAsync(ct);
        var peer = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
        var podGateway = $"/ip4/10.244.7.1/tcp/4001/p2p/{peer}";
        var behindNat = $"/ip4/198.51.100.9/tcp/4001/p2p/{peer}";
        var circuit = $"/ip4/8.8.4.4/tcp/4001/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK/p2p-circuit/p2p/{peer}";
        var publicAddress = $"/ip4/8.8.8.8/tcp/4001/p2p/{peer}";
        var ranking = new DialRanking(PluginMesh.Plugins.Tunnel.Libp2p.AutoNat.AddressRanges.Default, new PluginMesh.Plugins.Tunnel.Libp2p.Network.ClusterRanges(() => catalog));
        var target = new PeerTarget(PeerId: PeerId.Parse(peer), Addresses: [.. new[] { podGateway, behindNat, circuit, publicAddress }.Select(Multiaddr.Parse)]);

        var plan = PathPlan.Build(target, node.Host!, null, ranking);

        Assert.Equal([publicAddress, circuit, podGateway, behindNat], plan.Candidates.Select(c => c.Address!.ToString()));
        // Without a ranking (no AutoNAT ranges to judge by) every direct address keeps its place before the circuits.
        Assert.Equal([podGateway, behindNat, publicAddress, circuit], PathPlan.Build(target, node.Host!, null).Candidates.Select(c => c.Address!.ToString()));
    }

    [Fact]
    public async Task PathPlan_APeersAddressThatIsOurOwnListenAddress_IsNotTried()
    {
        // Every node has 169.254.96.16 and 127.0.0.1 and usually the same port: dialing a peer's copy
        // of them reaches ourselves (a handshake that can only fail, and a warning in our own log).
        await using var node = Node("self");
        await node.StartAsync(TestTimeout.Token());
        var own = node.Host!.ListenAddresses[0];
        var peer = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
        var elsewhere = "/ip4/198.51.100.7/tcp/4001/p2p/" + peer;
        var plan = PathPlan.Build(new PeerTarget(PeerId: PeerId.Parse(peer), Addresses: [Multiaddr.Parse(own + "/p2p/" + peer), Multiaddr.Parse(elsewhere)]), node.Host, null);
        Assert.Equal([elsewhere], plan.Candidates.Select(c => c.Address!.ToString()));
    }

    [Fact]
    public async Task Dial_SynNeverAnswered_TimesOutWithTheGivenConnectBound()
    {
        using var unanswered = new UnansweredAddress();
        await using var dialer = await HostFactory.StartAsync(listen: false);
        var e = await Assert.ThrowsAsync<TunnelException>(() =>
            dialer.DialAsync(unanswered.Address.WithPeerId(PeerId.Parse("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm")), TimeSpan.FromMilliseconds(300), TestTimeout.Token()));
        Assert.Equal(TunnelFailure.Timeout, e.Failure);
        Assert.Contains("no TCP answer within 300 ms", e.Message, StringComparison.Ordinal);
    }

    private Libp2pNodeService Node(string name) => new(new Libp2pOptions
    {
        KeyFile = Path.Combine(_dir, name + ".key"),
        Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
    }, NullLoggerFactory.Instance);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
