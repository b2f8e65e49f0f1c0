using System.Net;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Hop;

/// <summary>Attack: outsiders with many PeerIds and addresses against the relay's reservation slots.</summary>
[Trait("Category", "Attack")]
public sealed class ReservationTableTests
{
    internal static PeerId NewPeer()
    {
        using var key = PluginMesh.P2p.Crypto.PrivateKey.Generate();
        return key.PeerId;
    }

    private static ReservationTable Table(HopLimits? limits = null) => new(limits ?? new HopLimits(), new ManualTimeProvider());

    [Fact]
    public void Outsiders_SixteenAddressesManyPeers_TakeOnlyTheOutsiderShare_MembersKeepTheRest()
    {
        var limits = new HopLimits();
        var table = Table(limits);
        var accepted = 0;
        for (var a = 1; a <= 16; a++)
        {
            var block = ReservationTable.AddressBlock(IPAddress.Parse($"198.51.100.{a}"));
            for (var i = 0; i < 8; i++)
            {
                if (table.TryReserve(NewPeer(), block, member: false, out _) is not null) accepted++;
            }
        }
        Assert.Equal(limits.MaxOutsiderReservations, accepted);
        Assert.Null(table.TryReserve(NewPeer(), "198.51.100.200", member: false, out var refusal));
        Assert.Contains("outsider reservation limit", refusal, StringComparison.Ordinal);

        // Members, many behind one NAT address, fill the remaining slots and no more.
        var members = 0;
        while (table.TryReserve(NewPeer(), "203.0.113.1", member: true, out refusal) is not null) members++;
        Assert.Equal(limits.MaxReservations - limits.MaxOutsiderReservations, members);
        Assert.Contains($"reservation limit reached ({limits.MaxReservations})", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("198.51.100.1", "198.51.100.2", false)]
    [InlineData("::ffff:198.51.100.1", "198.51.100.1", true)]
    public void PerAddressLimit_CountsAnIpv6Slash64AsOneAddress(string first, string second, bool sameBlock)
    {
        var table = Table(new HopLimits { MaxReservationsPerIp = 1 });
        Assert.NotNull(table.TryReserve(NewPeer(), ReservationTable.AddressBlock(IPAddress.Parse(first)), member: false, out _));
        var again = table.TryReserve(NewPeer(), ReservationTable.AddressBlock(IPAddress.Parse(second)), member: false, out var refusal);
        Assert.Equal(sameBlock, again is null);
        if (sameBlock) Assert.Contains("per address", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Refresh_KeepsTheSlot_ButAMemberTurnedOutsiderMeetsOutsiderLimits()
    {
        var table = Table(new HopLimits { MaxOutsiderReservations = 1 });
        var peer = NewPeer();
        Assert.NotNull(table.TryReserve(NewPeer(), "198.51.100.1", member: false, out _));
        Assert.NotNull(table.TryReserve(peer, "198.51.100.2", member: true, out _));
        Assert.NotNull(table.TryReserve(peer, "198.51.100.2", member: true, out _));
        Assert.Null(table.TryReserve(peer, "198.51.100.2", member: false, out _));
    }
}
