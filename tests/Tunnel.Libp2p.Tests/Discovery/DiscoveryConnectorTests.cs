using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Tunnel.Libp2p.Discovery;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Discovery;

public sealed class DiscoveryConnectorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-disc-").FullName;

    [Fact]
    public async Task Discovered_Peer_IsConnectedAndRecordedWithSource()
    {
        var ct = TestTimeout.Token();
        await using var a = await HostFactory.StartAsync();
        await using var b = await HostFactory.StartAsync();
        var discovery = new FakeDiscovery();
        await using var connector = new DiscoveryConnector(a, NullLogger.Instance);
        using var subscription = connector.Attach(discovery);

        discovery.Announce(b.PeerId.ToString(), [HostFactory.DialAddress(b).ToString()]);

        await Eventually.TrueAsync(() => a.GetConnection(b.PeerId) is not null, "a connects to the discovered peer");
        await Eventually.TrueAsync(() => connector.Peers.Any(p => p.State == "connected"), "state is connected");
        var state = Assert.Single(connector.Peers);
        Assert.Equal(("mdns", b.PeerId), (state.Source, state.PeerId));
        discovery.Announce(a.PeerId.ToString(), [HostFactory.DialAddress(a).ToString()]);
        Assert.Single(connector.Peers);
    }

    [Fact]
    public async Task Discovered_HandshakeFailure_IgnoredUntilAnnouncementChanges()
    {
        var ct = TestTimeout.Token();
        await using var a = await HostFactory.StartAsync();
        // A LAN neighbour that is not one of us (another private network looks the same): it answers garbage.
        using var foreign = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        foreign.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        foreign.Listen(8);
        var accepts = 0;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket s;
                try { s = await foreign.AcceptAsync(); } catch (Exception) { return; }
                Interlocked.Increment(ref accepts);
                try { await s.SendAsync("\x13/multistream/9.9.9\n\x07/bogus\n"u8.ToArray()); } catch (SocketException) { }
            }
        });
        var peer = PrivateKey.Generate().PeerId.ToString();
        var addr = Multiaddr.FromEndPoint((IPEndPoint)foreign.LocalEndPoint!).ToString();
        var discovery = new FakeDiscovery();
        await using var connector = new DiscoveryConnector(a, NullLogger.Instance);
        using var subscription = connector.Attach(discovery);

        discovery.Announce(peer, [addr]);
        await Eventually.TrueAsync(() => connector.Peers.Any(p => p.State == "ignored"), "the peer is ignored after the handshake failure");
        Assert.NotNull(connector.Peers[0].Error);

        discovery.Announce(peer, [addr]);
        Assert.Equal("ignored", Assert.Single(connector.Peers).State);
        Assert.Equal(1, Volatile.Read(ref accepts));

        discovery.Announce(peer, [addr, "/ip4/127.0.0.1/tcp/1"]);
        await Eventually.TrueAsync(() => Volatile.Read(ref accepts) == 2, "a changed announcement is tried again");
    }

    [Fact]
    public async Task Discovered_AddressesReachingAnotherPeerOrOurselves_DroppedAlone_PeerConnectsOverTheNext()
    {
        await using var lan = await ThreeHosts.StartAsync();
        var (a, b, c, discovery, connector) = (lan.A, lan.B, lan.C, lan.Discovery, lan.Connector);
        // What an agent on a LAN looked like: a shared address that leads to someone else, one that leads back to us, then its own.
        var reachesC = c.ListenAddresses[0].WithPeerId(b.PeerId).ToString();
        var reachesUs = a.ListenAddresses[0].WithPeerId(b.PeerId).ToString();

        discovery.Announce(b.PeerId.ToString(), [reachesC, reachesUs, HostFactory.DialAddress(b).ToString()]);

        await Eventually.TrueAsync(() => connector.Peers.Any(p => p.State == "connected"), "b is connected over its own address");
        Assert.NotNull(a.GetConnection(b.PeerId));
        var state = Assert.Single(connector.Peers);
        Assert.Equal(
            [(reachesC, $"it reaches {c.PeerId}"), (reachesUs, "it is one of our own addresses")],
            state.Dropped.Select(d => (d.Address, d.Reason)).ToArray());
    }

    [Fact]
    public async Task Discovered_OnlyAnAddressOfAnotherPeer_FailsButIsNotIgnored_ThenConnectsWhenAnnouncedWithItsOwn()
    {
        await using var lan = await ThreeHosts.StartAsync();
        var (a, b, c, discovery, connector) = (lan.A, lan.B, lan.C, lan.Discovery, lan.Connector);
        var reachesC = c.ListenAddresses[0].WithPeerId(b.PeerId).ToString();

        discovery.Announce(b.PeerId.ToString(), [reachesC]);
        await Eventually.TrueAsync(() => connector.Peers.Any(p => p.State == "failed"), "the only address is dropped and the attempt fails");
        var failed = Assert.Single(connector.Peers);
        Assert.Contains($"remote is {c.PeerId}", failed.Error, StringComparison.Ordinal);
        Assert.Equal([reachesC], failed.Dropped.Select(d => d.Address));

        // The same announcement again: the dropped address is not dialled, the peer is still not ignored.
        discovery.Announce(b.PeerId.ToString(), [reachesC]);
        await Eventually.TrueAsync(() => connector.Peers.Single().State == "failed", "the repeated announcement ends the same way");
        Assert.Null(a.GetConnection(c.PeerId));

        discovery.Announce(b.PeerId.ToString(), [reachesC, HostFactory.DialAddress(b).ToString()]);
        await Eventually.TrueAsync(() => a.GetConnection(b.PeerId) is not null, "b connects once it announces its own address");
        await Eventually.TrueAsync(() => connector.Peers.Single().State == "connected", "state is connected");
    }

    [Fact]
    public async Task NodeService_DiscoveriesFromServices_ConnectAndShowInStatus()
    {
        var ct = TestTimeout.Token();
        await using var b = await HostFactory.StartAsync();
        var discovery = new FakeDiscovery("directory");
        var node = new Libp2pNodeService(new Libp2pOptions { KeyFile = Path.Combine(_dir, "a.key"), Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] },
            NullLoggerFactory.Instance, services: new TestServices().Add<IPeerDiscovery>(discovery));
        await using var _ = node;
        await node.StartAsync(ct);
        discovery.Announce(b.PeerId.ToString(), [HostFactory.DialAddress(b).ToString()]);
        await Eventually.TrueAsync(() => node.Host!.GetConnection(b.PeerId) is not null, "the node connects to the discovered peer");
        var seen = Assert.Single(node.Discovery!.Peers);
        Assert.Equal("directory", seen.Source);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Three hosts on loopback; a's connector follows a discovery the test drives.</summary>
    private sealed class ThreeHosts(Libp2pHost a, Libp2pHost b, Libp2pHost c) : IAsyncDisposable
    {
        public Libp2pHost A => a;

        public Libp2pHost B => b;

        public Libp2pHost C => c;

        public FakeDiscovery Discovery { get; } = new();

        public DiscoveryConnector Connector { get; } = new(a, NullLogger.Instance);

        private IDisposable? _subscription;

        public static async Task<ThreeHosts> StartAsync()
        {
            var hosts = new ThreeHosts(await HostFactory.StartAsync(), await HostFactory.StartAsync(), await HostFactory.StartAsync());
            hosts._subscription = hosts.Connector.Attach(hosts.Discovery);
            return hosts;
        }

        public async ValueTask DisposeAsync()
        {
            _subscription?.Dispose();
            await Connector.DisposeAsync();
            await a.DisposeAsync();
            await b.DisposeAsync();
            await c.DisposeAsync();
        }
    }
}
