using PluginMesh.P2p;
using System.Net;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>The receive path without sockets: events, own packets, hostile input, rate limits, advertisement.</summary>
public sealed class MdnsDiscoveryTests
{
    private static readonly IPAddress Honest = IPAddress.Parse("10.0.0.2");
    private static readonly IPAddress Attacker = IPAddress.Parse("10.0.0.66");
    private static readonly string AddrB = $"/ip4/10.0.0.2/tcp/4001/p2p/{PeerB}";
    private static readonly byte[] Genuine = MdnsPackets.JsResponse("genuinegenuinegenuinegenuinegenuine", 120, AddrB);

    [Fact]
    public void Handle_Announcement_RaisesDiscoveredOnce()
    {
        using var node = new TestDiscovery();
        node.Discovery.Handle(Genuine, Honest, null);
        node.Discovery.Handle(Genuine, Honest, null);
        var peer = Assert.Single(node.Discovered);
        Assert.Equal(new[] { AddrB }, peer.Addresses.Texts());
        Assert.Equal(PeerB, Assert.Single(node.Discovery.Peers).PeerId?.ToString());
    }

    [Fact]
    public void Handle_OwnAnnouncement_Ignored()
    {
        using var node = new TestDiscovery();
        node.Discovery.Advertise(MdnsHelpers.Ad(PeerA, [$"/ip4/10.0.0.1/tcp/1/p2p/{PeerA}"]));
        node.Discovery.Handle(MdnsPackets.JsResponse(node.Discovery.PeerName, 120, $"/ip4/10.0.0.1/tcp/1/p2p/{PeerA}"), Honest, null);
        node.Discovery.Handle(MdnsPackets.JsResponse("someothernamesomeothernamesomeother", 120, $"/ip4/10.0.0.1/tcp/1/p2p/{PeerA}"), Honest, null);
        Assert.Empty(node.Discovered);
        Assert.Equal(2, node.Discovery.Status().Packets["in.own"]);
    }

    [Fact]
    public void Handle_HostileThenFlood_DroppedCountedLoggedSparingly_GenuinePeerStillFound()
    {
        using var node = new TestDiscovery();
        node.Discovery.Handle(MdnsPackets.Truncated(), Attacker, null);
        node.Discovery.Handle(MdnsPackets.CompressionLoop(), Attacker, null);
        node.Discovery.Handle(MdnsPackets.HugeTxt(), Attacker, null);
        for (var i = 0; i < 10_000; i++) node.Discovery.Handle(MdnsPackets.Truncated(), Attacker, null);

        node.Discovery.Handle(Genuine, Honest, null);

        Assert.Equal(PeerB, Assert.Single(node.Discovered).PeerId?.ToString());
        var dropped = node.Discovery.Status().Dropped;
        Assert.Equal(1, dropped["too-large"]);
        // The burst (50) took the first packets; the clock stood still, so every later one was refused.
        Assert.Equal(10_003 - 50, dropped["rate-limited"]);
        Assert.Equal(10_003, dropped.Values.Sum());
        // One line per reason at first, then nothing more within the log interval.
        Assert.Equal(3, node.Logger.Lines.Count(l => l.Contains("dropped", StringComparison.Ordinal)));

        node.Time.Advance(TimeSpan.FromSeconds(11));
        node.Discovery.Handle(MdnsPackets.Truncated(), Attacker, null);
        // The next line sums what was not logged: 48 parsed-and-malformed after the first line, plus this one.
        Assert.Contains(node.Logger.Lines, l => l.Contains("dropped 49 mDNS packets (malformed)", StringComparison.Ordinal));
    }

    [Fact]
    public void Handle_FloodFromOneSource_OthersUnaffected()
    {
        using var node = new TestDiscovery();
        for (var i = 0; i < 1_000; i++) node.Discovery.Handle(MdnsPackets.Query(), Attacker, null);
        node.Discovery.Handle(Genuine, Honest, null);
        Assert.Single(node.Discovered);
        Assert.True(node.Discovery.Status().Dropped["rate-limited"] > 0);
    }

    [Fact]
    public void Handle_Goodbye_RaisesExpired()
    {
        using var node = new TestDiscovery();
        node.Discovery.Handle(Genuine, Honest, null);
        node.Discovery.Handle(MdnsPackets.JsResponse("genuinegenuinegenuinegenuinegenuine", 0, AddrB), Honest, null);
        Assert.Equal([PeerB], node.Expired);
        Assert.Empty(node.Discovery.Peers);
    }

    [Theory]
    [InlineData("Private", new[] { "/ip4/10.1.2.3/tcp/1", "/ip6/fd00::1/tcp/1", "/ip4/192.168.1.1/tcp/1" })]
    [InlineData("All", new[] { "/ip4/10.1.2.3/tcp/1", "/ip4/8.8.8.8/tcp/1", "/dns4/example.com/tcp/1", "/ip6/fd00::1/tcp/1", "/ip4/192.168.1.1/tcp/1" })]
    public void Advertise_FiltersByScope_AddsPeerId_DropsOversizedAndAddressesNoNeighbourCanUse(string scope, string[] expected)
    {
        using var node = new TestDiscovery(MdnsOptions.Default with { Advertise = Enum.Parse<AdvertiseScope>(scope) });
        node.Discovery.Advertise(MdnsHelpers.Ad(PeerA,
        [
            $"/ip4/10.1.2.3/tcp/1/p2p/{PeerA}", "/ip4/8.8.8.8/tcp/1", $"/ip4/127.0.0.1/tcp/1/p2p/{PeerA}",
            "/dns4/example.com/tcp/1", "/ip6/fd00::1/tcp/1", "/ip4/192.168.1.1/tcp/1",
            "/ip4/10.0.0.1/tcp/1/p2p/" + PeerB, "/dns4/" + new string('x', 240) + "/tcp/1",
            // Every node's own DNS address, other link-local, loopback and wildcard addresses lead a neighbour nowhere useful.
            "/ip4/169.254.96.16/tcp/1", "/ip4/169.254.1.1/tcp/1", "/ip6/fe80::1/tcp/1", "/ip4/127.0.0.53/tcp/1",
            "/ip6/::1/tcp/1", "/ip4/0.0.0.0/tcp/1", "/ip6/::/tcp/1",
        ]));
        Assert.Equal(expected.Select(e => e + "/p2p/" + PeerA), node.Discovery.Advertised);
    }
}
