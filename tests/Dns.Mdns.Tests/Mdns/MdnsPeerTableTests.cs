using PluginMesh.P2p;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>Which announcements become events: no storm from repeated answers, TTLs honoured.</summary>
public sealed class MdnsPeerTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string Addr1 = $"/ip4/10.0.0.1/tcp/1/p2p/{PeerA}";
    private static readonly string Addr2 = $"/ip4/10.0.0.2/tcp/1/p2p/{PeerA}";

    private static MdnsAnnouncement Announce(uint ttl = 120, params string[] addresses) =>
        new("name", PeerId.Parse(PeerA), [.. (addresses.Length == 0 ? [Addr1] : addresses).Select(Multiaddr.Parse)], ttl);

    [Fact]
    public void Observe_NewPeer_Discovered()
    {
        var table = new MdnsPeerTable();
        var seen = table.Observe(Announce(), T0);
        Assert.Equal(PeerA, seen.Discovered!.PeerId?.ToString());
        Assert.Equal("mdns", seen.Discovered.Source);
        Assert.Equal(TimeSpan.FromSeconds(120), seen.Discovered.Ttl);
    }

    [Fact]
    public void Observe_RepeatedBeforeHalfTtl_NoEvent_ButLifeExtended()
    {
        var table = new MdnsPeerTable();
        table.Observe(Announce(), T0);
        for (var s = 1; s < 60; s++) Assert.Null(table.Observe(Announce(), T0.AddSeconds(s)).Discovered);
        Assert.Empty(table.Expire(T0.AddSeconds(150))); // refreshed at 59 s, lives until 179 s
    }

    [Fact]
    public void Observe_AfterHalfTtl_RefreshEvent()
    {
        var table = new MdnsPeerTable();
        table.Observe(Announce(), T0);
        Assert.NotNull(table.Observe(Announce(), T0.AddSeconds(60)).Discovered);
        Assert.Null(table.Observe(Announce(), T0.AddSeconds(61)).Discovered);
    }

    [Fact]
    public void Observe_ChangedAddresses_EventAtOnce()
    {
        var table = new MdnsPeerTable();
        table.Observe(Announce(), T0);
        Assert.Equal([Addr1, Addr2], table.Observe(Announce(120, Addr1, Addr2), T0.AddSeconds(1)).Discovered!.Addresses.Texts());
    }

    [Fact]
    public void Expire_AfterTtl_RemovesPeer()
    {
        var table = new MdnsPeerTable();
        table.Observe(Announce(10), T0);
        Assert.Empty(table.Expire(T0.AddSeconds(9)));
        Assert.Equal([PeerA], table.Expire(T0.AddSeconds(10)).Texts());
        Assert.Empty(table.Snapshot());
    }

    [Fact]
    public void Observe_Goodbye_ExpiresAtOnce_EvenWithoutTxt()
    {
        var table = new MdnsPeerTable();
        table.Observe(Announce(), T0);
        Assert.Equal(PeerA, table.Observe(new MdnsAnnouncement("name", null, [], 0), T0).Expired?.ToString());
        Assert.Equal(0, table.Count);
        Assert.Null(table.Observe(new MdnsAnnouncement("name", PeerId.Parse(PeerA), [Multiaddr.Parse(Addr1)], 0), T0).Expired); // already gone: no second event
    }

    [Fact]
    public void Observe_TableFull_RefusesNewPeers()
    {
        var table = new MdnsPeerTable(capacity: 1);
        table.Observe(Announce(), T0);
        var other = new MdnsAnnouncement("other", PeerId.Parse(PeerB), [Multiaddr.Parse($"/ip4/10.0.0.9/tcp/1/p2p/{PeerB}")], 120);
        Assert.True(table.Observe(other, T0).Full);
        Assert.Equal(1, table.Count);
    }
}
