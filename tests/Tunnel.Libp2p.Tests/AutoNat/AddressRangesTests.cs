using System.Net;
using PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.AutoNat;

public sealed class AddressRangesTests
{
    private static IPAddress[] Ips(params string[] texts) => [.. texts.Select(IPAddress.Parse)];

    [Theory]
    // Both NATs' outsides on TEST-NET-3: the relay sees us at 203.0.113.1, the peer offers 203.0.113.2.
    [InlineData("203.0.113.2", new[] { "203.0.113.1" }, true)]
    // Carrier-grade NAT space shared by both.
    [InlineData("100.64.7.9", new[] { "100.70.0.1" }, true)]
    // The peer's own LAN behind its NAT: we are seen on a public address, not in 10/8.
    [InlineData("10.2.0.2", new[] { "5.6.7.8" }, false)]
    // A different private range from the one we are seen in.
    [InlineData("10.2.0.2", new[] { "203.0.113.1" }, false)]
    // Nobody observed us yet.
    [InlineData("203.0.113.2", new string[0], false)]
    // A public address is not "private in a shared realm"; IsPrivate already lets it through.
    [InlineData("5.6.7.8", new[] { "5.6.7.9" }, false)]
    // IPv4-mapped forms count as the IPv4 address.
    [InlineData("::ffff:203.0.113.2", new[] { "::ffff:203.0.113.1" }, true)]
    public void SharesRealm_OnlyWhenWeAreSeenInTheSamePrivateRange(string candidate, string[] seenAs, bool expected) =>
        Assert.Equal(expected, AddressRanges.Default.SharesRealm(IPAddress.Parse(candidate), Ips(seenAs)));

    [Fact]
    public void SharesRealm_TreatAsPublicRangeIsNotARealm()
    {
        var ranges = new AddressRanges(AddressRanges.DefaultPrivate, [IPNetwork.Parse("198.51.100.0/24")]);
        Assert.False(ranges.IsPrivate(IPAddress.Parse("198.51.100.2")));
        Assert.True(ranges.SharesRealm(IPAddress.Parse("198.51.100.2"), Ips("198.51.100.1")));
        Assert.False(ranges.SharesRealm(IPAddress.Parse("192.168.1.2"), Ips("198.51.100.1")));
    }
}
