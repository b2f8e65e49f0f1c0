using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Identify;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Network;

/// <summary>ILocalPeer, IPeerNetwork, dialing through another transport, and path choice, with real hosts on loopback.</summary>
public sealed class PeerNetworkTests : IDisposable
{
    private const string Echo = "/test/echo/1.0.0";
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-net-").FullName;

    [Fact]
    public async Task LocalPeer_AnnouncedAddresses_JoinAddressesAndReachPeersByIdentifyPush()
    {
        var ct = TestTimeout.Token();
        await using var a = Node("a");
        await using var b = Node("b");
        await a.StartAsync(ct);
        await b.StartAsync(ct);
        var changes = 0;
        a.LocalPeer.AddressesChanged += () => Interlocked.Increment(ref changes);
        Assert.All(a.LocalPeer.Addresses, addr => Assert.EndsWith("/p2p/" + a.LocalPeer.PeerId, addr.ToString(), StringComparison.Ordinal));
        var connection = await b.Host!.DialAsync(a.Host!.ListenAddresses[0].WithPeerId(a.Host.PeerId), ct);
        await connection.IdentifyTask;

        var circuit = $"/ip4/192.0.2.7/tcp/4001/p2p/{PrivateKey.Generate().PeerId}/p2p-circuit";
        a.Network.SetAnnouncedAddresses("relay", [Multiaddr.Parse(circuit)]);

        Assert.Equal(1, changes);
        Assert.Contains(Multiaddr.Parse(circuit + "/p2p/" + a.LocalPeer.PeerId), a.LocalPeer.Addresses);
        Assert.StartsWith("/ip4/127.0.0.1/tcp/", a.LocalPeer.Addresses[0].ToString(), StringComparison.Ordinal);
        await Eventually.TrueAsync(() => connection.RemoteIdentify?.ListenAddrs.Any(x => x.ToString() == circuit) == true, "identify push carries the circuit address");

        a.Network.SetAnnouncedAddresses("relay", []);
        Assert.Equal(2, changes);
        Assert.DoesNotContain(a.LocalPeer.Addresses, x => x.IsRelayed);
    }

    [Fact]
    public async Task LocalPeer_Addresses_OnlyThoseAnotherNodeCouldDial()
    {
        var ct = TestTimeout.Token();
        await using var a = Node("a");
        await a.StartAsync(ct);
        // Alone on loopback (tests, one host): loopback is how peers reach us, so it stays.
        Assert.StartsWith("/ip4/127.0.0.1/tcp/", Assert.Single(a.LocalPeer.Addresses).ToString(), StringComparison.Ordinal);

        var relay = PrivateKey.Generate().PeerId;
        a.Network.SetAnnouncedAddresses("observed", [Multiaddr.Parse("/ip4/169.254.96.16/tcp/4001"), Multiaddr.Parse("/ip4/203.0.113.9/tcp/4001"),
            Multiaddr.Parse($"/ip4/127.0.0.1/tcp/4001/p2p/{relay}/p2p-circuit"), Multiaddr.Parse($"/ip4/198.51.100.1/tcp/4001/p2p/{relay}/p2p-circuit")]);

        Assert.Equal([$"/ip4/203.0.113.9/tcp/4001/p2p/{a.LocalPeer.PeerId}", $"/ip4/198.51.100.1/tcp/4001/p2p/{relay}/p2p-circuit/p2p/{a.LocalPeer.PeerId}"],
            a.LocalPeer.Addresses.Select(x => x.ToString()));
    }

    [Fact]
    public void LocalPeer_Sign_VerifiesWithPublicKey()
    {
        var node = Node("signer");
        var data = "record"u8.ToArray();
        var signature = node.LocalPeer.Sign(data);
        Assert.True(node.LocalPeer.PublicKey.Verify(data, signature));
        Assert.Equal(PeerId.FromPublicKey(node.LocalPeer.PublicKey.Protobuf), node.LocalPeer.PeerId);
    }

    [Fact]
    public async Task PeerNetwork_Connection_ReportedAfterIdentifyWithRttThenDisconnected()
    {
        var ct = TestTimeout.Token();
        await using var a = Node("a");
        await using var b = Node("b");
        await a.StartAsync(ct);
        await b.StartAsync(ct);
        var connected = new TaskCompletionSource<PeerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        var disconnected = new TaskCompletionSource<PeerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Network.PeerConnected += c => connected.TrySetResult(c);
        a.Network.PeerDisconnected += c => disconnected.TrySetResult(c);

        await b.Host!.DialAsync(a.Host!.ListenAddresses[0].WithPeerId(a.Host.PeerId), ct);
        var seen = await connected.Task.WaitAsync(ct);

        Assert.Equal(b.LocalPeer.PeerId, seen.PeerId);
        Assert.True(seen.Inbound);
        Assert.Equal(PathKind.Direct, seen.Path);
        Assert.Contains(IdentifyProtocol.ProtocolId, seen.Protocols);
        var rtt = await a.Network.PingAsync(b.LocalPeer.PeerId, ct);
        Assert.True(rtt > TimeSpan.Zero);
        Assert.NotNull(Assert.Single(a.Network.Connections).Rtt);

        await b.StopAsync(ct);
        Assert.Equal(b.LocalPeer.PeerId, (await disconnected.Task.WaitAsync(ct)).PeerId);
        var e = await Assert.ThrowsAsync<TunnelException>(async () => await a.Network.PingAsync(b.LocalPeer.PeerId, ct));
        Assert.Equal(TunnelFailure.Unresolved, e.Failure);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DialThroughOtherTransport_AcceptInbound_RelayedConnectionBothSides(bool psk)
    {
        var ct = TestTimeout.Token();
        var relay = new PipeTransport();
        await using var a = Node("a", psk: psk);
        await using var b = Node("b", new TestServices().Add<ITransport>(relay), psk);
        await a.StartAsync(ct);
        await b.StartAsync(ct);
        var accepted = new TaskCompletionSource<PeerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        RawConnection? inbound = null;
        relay.Connect = async addr =>
        {
            var (dialer, target) = await SocketPair.StreamsAsync();
            inbound = new RawConnection(target, Multiaddr.Parse("/p2p-circuit"), Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{RelayId}/p2p-circuit/p2p/{b.LocalPeer.PeerId}"));
            _ = Task.Run(async () =>
            {
                try { accepted.TrySetResult(await a.Network.AcceptInboundAsync(inbound, PathKind.Relayed, ct)); }
                catch (Exception e) { accepted.TrySetException(e); }
            });
            return dialer;
        };
        var circuit = Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{RelayId}/p2p-circuit/p2p/{a.LocalPeer.PeerId}");
        using var handler = new MeshTunnel(a).RegisterHandler(Echo, EchoHandler);

        await using var s = await new MeshTunnel(b).OpenStreamAsync(new PeerTarget(PeerId: a.LocalPeer.PeerId, Addresses: [circuit]), Echo, ct).Opened();
        Assert.Equal(PathKind.Relayed, s.Remote.Path);
        Assert.Equal(circuit, s.Remote.RemoteAddress);
        Assert.Equal("ping", await RoundTripAsync(s, "ping", ct));
        var onA = await accepted.Task.WaitAsync(ct);
        Assert.Equal(PathKind.Relayed, onA.Path);
        Assert.True(onA.Inbound);
        Assert.Equal(b.LocalPeer.PeerId, onA.PeerId);
        Assert.Equal([circuit], relay.Dialed);

        await b.StopAsync(ct);
        await Eventually.TrueAsync(() => inbound!.Disposed, "the raw inbound connection is disposed with its libp2p connection");
    }

    [Fact]
    public async Task AcceptInbound_WrongPsk_ThrowsHandshakeFailure()
    {
        var ct = TestTimeout.Token();
        await using var a = Node("a", psk: true);
        await a.StartAsync(ct);
        var (dialer, target) = await SocketPair.StreamsAsync();
        await using var _ = dialer;
        // Random bytes stand in for a peer with another key: pnet has no authentication, so the garbage surfaces in the next layers.
        var garbage = Task.Run(async () => { await dialer.WriteAsync(new byte[24 + 64], ct); });
        var e = await Assert.ThrowsAsync<TunnelException>(async () =>
            await a.Network.AcceptInboundAsync(new RawConnection(target, Multiaddr.Parse("/p2p-circuit"), Multiaddr.Parse("/ip4/192.0.2.1/tcp/1/p2p-circuit")), PathKind.Relayed, ct));
        Assert.Equal(TunnelFailure.Handshake, e.Failure);
        await garbage;
    }

    [Fact]
    public async Task OpenStream_NodeName_DirectRefusedThenRelay_AsksPolicyAndUsesRelay()
    {
        var ct = TestTimeout.Token();
        var policy = new RecordingFailover(i => new FailoverDecision(i.Alternatives > 0 ? FailoverAction.Next : FailoverAction.GiveUp, 0));
        await using var edge = await EdgeBehindRelayAsync(await RefusedAddressAsync(), policy, ct);
        var (tunnel, relay) = (edge.Tunnel, edge.Relay);

        await using var s = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: "edge-a"), Echo, ct).Opened();

        Assert.Equal(PathKind.Relayed, s.Remote.Path);
        Assert.Equal("edge-a", s.Remote.NodeName);
        var input = Assert.Single(policy.Inputs);
        Assert.Equal(("dial", "edge-a", "refused", 1, 1), (input.Operation, input.Target, input.Reason, input.Attempt, input.Alternatives));
        Assert.Equal("x", await RoundTripAsync(s, "x", ct));

        // Now connected: the live connection is the first path, no new dial.
        await using var again = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: "edge-a"), Echo, ct).Opened();
        Assert.Single(relay.Dialed);

        // DirectOnly (a hop request: relays refuse those over a relayed connection) takes neither the relayed
        // connection nor a circuit: only the direct address is left, and it refuses.
        var direct = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: "edge-a", DirectOnly: true), Echo, ct);
        Assert.Equal(TunnelFailure.Refused, direct.Failure);
        Assert.Single(relay.Dialed);
    }

    [Fact]
    public async Task OpenStream_DirectDialUnanswered_CircuitDialedBesideItWins()
    {
        // The peer's direct address never answers (an address behind its NAT). Sequentially, its connect
        // timeout and then this policy's minute-long retry delay would pass before the circuit is tried;
        // raced, the circuit is dialed once the direct dial has had its head start, and opens the stream.
        var ct = TestTimeout.Token();
        using var unanswered = new UnansweredAddress();
        var policy = new RecordingFailover(i => i.Attempt == 1 ? new FailoverDecision(FailoverAction.Retry, 60_000) : new FailoverDecision(FailoverAction.GiveUp, 0));
        await using var edge = await EdgeBehindRelayAsync(unanswered.Address, policy, ct);

        await using var s = await edge.Tunnel.OpenStreamAsync(new PeerTarget(NodeName: "edge-a"), Echo, ct).Opened();

        Assert.Equal(PathKind.Relayed, s.Remote.Path);
        Assert.Equal("x", await RoundTripAsync(s, "x", ct));
        Assert.Single(edge.Relay.Dialed);
        // At most the direct dial's own timeout reached the policy (on a loaded machine); the circuit never failed.
        Assert.All(policy.Inputs, i => Assert.Equal("timeout", i.Reason));
    }

    [Fact]
    public async Task OpenStream_DirectUnansweredAndRacedCircuitRefused_EachFailureToThePolicyOnce_CircuitDialedOnce()
    {
        var ct = TestTimeout.Token();
        var relay = new PipeTransport(); // no Connect: every circuit is refused by the relay
        using var unanswered = new UnansweredAddress();
        var policy = new RecordingFailover(i => new FailoverDecision(i.Alternatives > 0 ? FailoverAction.Next : FailoverAction.GiveUp, 0));
        var peer = PrivateKey.Generate().PeerId;
        var circuit = Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{RelayId}/p2p-circuit/p2p/{peer}");
        await using var b = Node("b", new TestServices().Add<ITransport>(relay));
        await b.StartAsync(ct);
        var tunnel = new MeshTunnel(b, new TestServices().Add<IFailoverPolicy>(policy));

        var opened = await tunnel.OpenStreamAsync(new PeerTarget(PeerId: peer, Addresses: [unanswered.Address, circuit]), Echo, ct);

        Assert.False(opened.Ok);
        Assert.Equal(TunnelFailure.RelayRefused, opened.Failure);
        Assert.Equal([("timeout", 1), ("relay-refused", 0)], policy.Inputs.Select(i => (i.Reason, i.Alternatives)));
        Assert.Single(relay.Dialed);
    }

    [Fact]
    public async Task OpenStream_DirectAddressAnswers_CircuitNotDialed()
    {
        var ct = TestTimeout.Token();
        var relay = new PipeTransport();
        await using var a = Node("a");
        await a.StartAsync(ct);
        using var handler = new MeshTunnel(a).RegisterHandler(Echo, EchoHandler);
        await using var b = Node("b", new TestServices().Add<ITransport>(relay));
        await b.StartAsync(ct);
        var circuit = Multiaddr.Parse($"/ip4/192.0.2.1/tcp/4001/p2p/{RelayId}/p2p-circuit/p2p/{a.LocalPeer.PeerId}");

        await using var s = await new MeshTunnel(b).OpenStreamAsync(new PeerTarget(PeerId: a.LocalPeer.PeerId, Addresses: [a.Host!.ListenAddresses[0], circuit]), Echo, ct).Opened();

        Assert.Equal(PathKind.Direct, s.Remote.Path);
        Assert.Empty(relay.Dialed);
    }

    [Fact]
    public async Task OpenStream_PolicyGivesUp_FailsWithFirstReason()
    {
        var ct = TestTimeout.Token();
        var policy = new RecordingFailover(_ => new FailoverDecision(FailoverAction.GiveUp, 0));
        await using var b = Node("b");
        await b.StartAsync(ct);
        var peer = PrivateKey.Generate().PeerId;
        var tunnel = new MeshTunnel(b, new TestServices().Add<IFailoverPolicy>(policy));
        var opened = await tunnel.OpenStreamAsync(new PeerTarget(PeerId: peer, Addresses: [await RefusedAddressAsync(), await RefusedAddressAsync()]), Echo, ct);
        Assert.False(opened.Ok);
        Assert.Equal(TunnelFailure.Refused, opened.Failure);
        Assert.Single(policy.Inputs);
    }

    [Fact]
    public async Task OpenStream_PolicyRetries_SameAddressAgainThenNext()
    {
        var ct = TestTimeout.Token();
        var policy = new RecordingFailover(i => new FailoverDecision(i.Attempt == 1 ? FailoverAction.Retry : FailoverAction.Next, 1));
        await using var b = Node("b");
        await b.StartAsync(ct);
        var tunnel = new MeshTunnel(b, new TestServices().Add<IFailoverPolicy>(policy));
        var opened = await tunnel.OpenStreamAsync(new PeerTarget(PeerId: PrivateKey.Generate().PeerId, Addresses: [await RefusedAddressAsync(), await RefusedAddressAsync()]), Echo, ct);
        Assert.False(opened.Ok);
        Assert.Equal(TunnelFailure.Refused, opened.Failure);
        Assert.Equal([1, 1, 0], policy.Inputs.Select(i => i.Alternatives));
    }

    [Theory]
    [InlineData("edge-x", false, "is not in the directory")]
    [InlineData("edge-x", true, "no directory plugin is loaded")]
    public async Task OpenStream_UnknownNodeName_Unresolved(string name, bool withoutDirectory, string message)
    {
        await using var b = Node("b");
        await b.StartAsync(TestTimeout.Token());
        var services = withoutDirectory ? new TestServices() : new TestServices().Add<PluginMesh.Abstractions.Directory.INodeDirectory>(new FakeDirectory());
        var opened = await new MeshTunnel(b, services).OpenStreamAsync(new PeerTarget(NodeName: name), Echo, TestTimeout.Token());
        Assert.False(opened.Ok);
        Assert.Equal(TunnelFailure.Unresolved, opened.Failure);
        Assert.Contains(message, opened.Error, StringComparison.Ordinal);
    }

    private static readonly string RelayId = PrivateKey.Generate().PeerId.ToString();

    private static async Task EchoHandler(IMeshStream stream, CancellationToken ct)
    {
        await stream.Stream.CopyToAsync(stream.Stream, ct);
        await stream.CloseWriteAsync(ct);
    }

    private static async Task<string> RoundTripAsync(IMeshStream s, string text, CancellationToken ct)
    {
        await s.Stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text), ct);
        await s.CloseWriteAsync(ct);
        using var reader = new StreamReader(s.Stream);
        return await reader.ReadToEndAsync(ct);
    }

    /// <summary>A loopback address nobody listens on (bound, then closed).</summary>
    /// <summary>
    /// Node a as "edge-a" in a directory with <paramref name="direct"/> and one circuit (which the test
    /// relay connects), serving the echo protocol; <see cref="EdgeBehindRelay.Tunnel"/> is node b's tunnel
    /// with <paramref name="policy"/> and that directory.
    /// </summary>
    private async Task<EdgeBehindRelay> EdgeBehindRelayAsync(Multiaddr direct, IFailoverPolicy policy, CancellationToken ct)
    {
        var relay = new PipeTransport();
        var a = Node("a");
        await a.StartAsync(ct);
        var circuit = $"/ip4/192.0.2.1/tcp/4001/p2p/{RelayId}/p2p-circuit";
        var directory = new FakeDirectory(FakeDirectory.Record("edge-a", a.LocalPeer.PeerId, [direct.ToString()], [circuit]));
        var b = Node("b", new TestServices().Add<ITransport>(relay).Add<IFailoverPolicy>(policy).Add<PluginMesh.Abstractions.Directory.INodeDirectory>(directory));
        await b.StartAsync(ct);
        CircuitsReach(relay, a, b, circuit, ct);
        var handler = new MeshTunnel(a).RegisterHandler(Echo, EchoHandler);
        return new EdgeBehindRelay(a, b, relay, handler, new MeshTunnel(b, new TestServices().Add<IFailoverPolicy>(policy).Add<PluginMesh.Abstractions.Directory.INodeDirectory>(directory)));
    }

    private sealed record EdgeBehindRelay(Libp2pNodeService A, Libp2pNodeService B, PipeTransport Relay, IDisposable Handler, MeshTunnel Tunnel) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Handler.Dispose();
            await B.DisposeAsync();
            await A.DisposeAsync();
        }
    }

    /// <summary>
    /// Every circuit the test relay dials arrives at <paramref name="target"/> as an inbound relayed
    /// connection from <paramref name="dialer"/> through <paramref name="circuit"/>.
    /// </summary>
    private static void CircuitsReach(PipeTransport relay, Libp2pNodeService target, Libp2pNodeService dialer, string circuit, CancellationToken ct) =>
        relay.Connect = async addr =>
        {
            var (outbound, inbound) = await SocketPair.StreamsAsync();
            var accept = target.Network.AcceptInboundAsync(new RawConnection(inbound, Multiaddr.Parse("/p2p-circuit"), Multiaddr.Parse($"{circuit}/p2p/{dialer.LocalPeer.PeerId}")), PathKind.Relayed, ct).AsTask();
            _ = accept.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return outbound;
        };

    private static Task<Multiaddr> RefusedAddressAsync()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return Task.FromResult(Multiaddr.FromEndPoint((System.Net.IPEndPoint)socket.LocalEndPoint!));
    }

    private Libp2pNodeService Node(string name, IServiceProvider? services = null, bool psk = false)
    {
        string? pskFile = null;
        if (psk)
        {
            pskFile = Path.Combine(_dir, "swarm.key");
            if (!File.Exists(pskFile)) File.WriteAllText(pskFile, "/key/swarm/psk/1.0.0/\n/base16/\n" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        }
        return new Libp2pNodeService(new Libp2pOptions
        {
            KeyFile = Path.Combine(_dir, name + ".key"),
            Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            PskFile = pskFile,
        }, NullLoggerFactory.Instance, services: services);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
