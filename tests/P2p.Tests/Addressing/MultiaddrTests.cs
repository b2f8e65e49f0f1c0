using System.Net;
using System.Text.Json;

namespace PluginMesh.P2p.Tests.Addressing;

public sealed class MultiaddrTests
{
    private const string Alice = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
    private const string Bob = "12D3KooWRkZhiRhsqmrQ28rt73K7V3aCBpqKrLGSXmZ99PTcTZby";

    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/4001", "047f000001060fa1")]
    [InlineData("/ip6/::1/tcp/80", "2900000000000000000000000000000001060050")]
    [InlineData("/ip4/1.2.3.4/udp/5353", "0401020304910214e9")]
    [InlineData("/dns4/example.com/tcp/443", "360b6578616d706c652e636f6d0601bb")]
    [InlineData("/dns/localhost/tcp/1", "35096c6f63616c686f7374060001")]
    [InlineData("/dns6/h/tcp/1", "370168060001")]
    [InlineData("/dnsaddr/bootstrap.libp2p.io", "3813626f6f7473747261702e6c69627032702e696f")]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit", null)]
    [InlineData("/ip4/10.0.0.1/udp/4001/quic-v1", "040a00000191020fa1cd03")]
    [InlineData("/ip4/1.2.3.4/tcp/443/tls/sni/example.com/ws", null)]
    [InlineData("/dns4/example.com/tcp/443/wss/p2p/" + Alice, null)]
    [InlineData("/ip4/1.2.3.4/udp/1/quic-v1/webtransport/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvYdFR_YV2l-LNwRmzzI9iQ/p2p/" + Alice, null)]
    [InlineData("/ip6/fe80::1/ip6zone/eth0/udp/1/webrtc-direct", null)]
    public void TextAndBinary_RoundTrip(string text, string? hex)
    {
        var parsed = Multiaddr.Parse(text);
        Assert.Equal(text, parsed.ToString());
        var bytes = parsed.ToBytes();
        if (hex is not null) Assert.Equal(hex, Convert.ToHexStringLower(bytes));
        Assert.Equal(parsed, Multiaddr.FromBytes(bytes));
    }

    [Fact]
    public void Parse_IpfsAlias_BecomesP2p()
    {
        var a = Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/ipfs/" + Alice);
        Assert.Equal("/ip4/1.2.3.4/tcp/1/p2p/" + Alice, a.ToString());
        Assert.Equal(Alice, a.PeerId!.ToString());
        Assert.Equal("/ip4/1.2.3.4/tcp/1", a.WithoutPeerId().ToString());
        Assert.Equal("/ip4/1.2.3.4/tcp/1/p2p/" + Bob, a.WithPeerId(PeerId.Parse(Bob)).ToString());
    }

    [Theory]
    [InlineData("ip4/1.2.3.4", "must start with '/'")]
    [InlineData("/ip4/1.2.3", "/ip4 value '1.2.3' is not an IPv4")]
    [InlineData("/ip4/1.2.3.4/tcp/70000", "/tcp value '70000' is not a port")]
    [InlineData("/ip4/1.2.3.4/tcp/+1", "/tcp value '+1' is not a port")]
    [InlineData("/ip4/1.2.3.4/tcp", "/tcp needs a value")]
    [InlineData("/ip4/1.2.3.4/onion3", "unknown protocol '/onion3'")]
    [InlineData("/ip6/1.2.3.4", "/ip6 value '1.2.3.4' is not an IPv6")]
    [InlineData("/ip6/fe80::1%eth0", "has a zone (use /ip6zone)")]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/notapeer", "/p2p value 'notapeer' is not a peer id")]
    [InlineData("/ip4//tcp/1", "/ip4 needs a value")]
    [InlineData("/certhash/u!!", "is not multibase")]
    [InlineData("/", "empty")]
    [InlineData("", "must start with '/'")]
    public void TryParse_Malformed_ReportsComponent(string text, string fragment)
    {
        Assert.False(Multiaddr.TryParse(text, out var addr, out var error));
        Assert.Null(addr);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("04010203", "/ip4 value is truncated")]
    [InlineData("ff7f", "unknown protocol code 0x3fff")]
    [InlineData("35ff", "/dns has a bad length varint")]
    [InlineData("3505616263", "/dns value is truncated")]
    [InlineData("a503024142", "/p2p value is not a peer id")]
    [InlineData("3502c328", "/dns value is not UTF-8")]
    [InlineData("", "empty")]
    public void FromBytes_Malformed_ThrowsNamingComponent(string hex, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Multiaddr.FromBytes(Convert.FromHexString(hex)));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.False(Multiaddr.TryFromBytes(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void TryGetTcpTarget_DnsAndIp()
    {
        Assert.True(Multiaddr.Parse("/dns4/localhost/tcp/99").TryGetTcpTarget(out var host, out var port, out var isIp));
        Assert.Equal(("localhost", 99, false), (host, port, isIp));
        Assert.True(Multiaddr.Parse("/ip4/1.2.3.4/tcp/5/p2p/" + Alice).TryGetTcpTarget(out host, out port, out isIp));
        Assert.Equal(("1.2.3.4", 5, true), (host, port, isIp));
        Assert.False(Multiaddr.Parse("/ip4/1.2.3.4/udp/99").TryGetTcpTarget(out _, out _, out _));
        Assert.False(Multiaddr.Parse("/dnsaddr/x/tcp/1").TryGetTcpTarget(out _, out _, out _));
        Assert.False(Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/ws").TryGetTcpTarget(out _, out _, out _));
    }

    [Fact]
    public void FromEndPoint_MapsIpv4MappedToIp4()
    {
        Assert.Equal("/ip4/1.2.3.4/tcp/80", Multiaddr.FromEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:1.2.3.4"), 80)).ToString());
        Assert.Equal("/ip6/::1/tcp/80", Multiaddr.FromEndPoint(new IPEndPoint(IPAddress.IPv6Loopback, 80)).ToString());
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit/p2p/" + Bob, "/ip4/1.2.3.4/tcp/1/p2p/" + Alice)]
    [InlineData("/p2p/" + Alice + "/p2p-circuit/p2p/" + Bob, "/p2p/" + Alice)]
    public void Circuit_SplitsIntoRelayAndTarget(string text, string relayPart)
    {
        var a = Multiaddr.Parse(text);
        Assert.True(a.IsRelayed);
        Assert.True(a.TryGetCircuit(out var relayAddress, out var relay, out var target));
        Assert.Equal(relayPart, relayAddress.ToString());
        Assert.Equal(Alice, relay.ToString());
        Assert.Equal(Bob, target.ToString());
        Assert.Equal(relayPart, a.RelayAddress!.ToString());
        Assert.Equal(Alice, a.RelayPeerId!.ToString());
        Assert.Equal(Bob, a.TargetPeerId!.ToString());
        Assert.Equal(Bob, a.PeerId!.ToString());
        Assert.Equal(a, Multiaddr.Circuit(relayAddress, target));
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice)]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p-circuit/p2p/" + Alice)]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit")]
    [InlineData("/p2p-circuit/p2p/" + Alice)]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit/p2p/" + Bob + "/p2p-circuit/p2p/" + Alice)]
    public void TryGetCircuit_NotASingleCircuit_False(string text) => Assert.False(Multiaddr.Parse(text).TryGetCircuit(out _, out _, out _));

    [Fact]
    public void CircuitHelpers_OnPartialForms()
    {
        var noTarget = Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit");
        Assert.True(noTarget.IsRelayed);
        Assert.Null(noTarget.PeerId);
        Assert.Null(noTarget.TargetPeerId);
        Assert.Equal(Alice, noTarget.RelayPeerId!.ToString());
        var direct = Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Alice);
        Assert.False(direct.IsRelayed);
        Assert.Null(direct.RelayAddress);
        Assert.Null(direct.RelayPeerId);
        Assert.Null(direct.TargetPeerId);
    }

    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/1", true, false, true)]
    [InlineData("/ip6/::1/tcp/1", true, false, true)]
    [InlineData("/ip4/169.254.1.1/tcp/1", false, true, true)]
    [InlineData("/ip6/fe80::1/tcp/1", false, true, true)]
    [InlineData("/ip4/10.1.2.3/tcp/1", false, false, true)]
    [InlineData("/ip4/172.20.0.1/tcp/1", false, false, true)]
    [InlineData("/ip4/192.168.1.1/tcp/1", false, false, true)]
    [InlineData("/ip4/100.64.0.1/tcp/1", false, false, true)]
    [InlineData("/ip6/fd00::1/tcp/1", false, false, true)]
    [InlineData("/ip6/::ffff:10.0.0.1/tcp/1", false, false, true)]
    [InlineData("/ip4/8.8.8.8/tcp/1", false, false, false)]
    [InlineData("/ip4/172.32.0.1/tcp/1", false, false, false)]
    [InlineData("/dns4/localhost/tcp/1", false, false, false)]
    public void AddressPredicates(string text, bool loopback, bool linkLocal, bool isPrivate)
    {
        var a = Multiaddr.Parse(text);
        Assert.Equal((loopback, linkLocal, isPrivate), (a.IsLoopback, a.IsLinkLocal, a.IsPrivate));
    }

    [Theory]
    [InlineData("/ip4/0.0.0.0/tcp/4001", true)]
    [InlineData("/ip6/::/tcp/4001", true)]
    [InlineData("/ip6/::ffff:0.0.0.0/tcp/4001", true)]
    [InlineData("/ip4/0.0.0.1/tcp/4001", false)]
    [InlineData("/ip4/127.0.0.1/tcp/4001", false)]
    [InlineData("/dns4/localhost/tcp/4001", false)]
    public void IsUnspecified_OnlyTheWildcardAddresses(string text, bool unspecified) =>
        Assert.Equal(unspecified, Multiaddr.Parse(text).IsUnspecified);

    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/4001", false)]
    [InlineData("/ip4/169.254.96.16/tcp/4001", false)]
    [InlineData("/ip6/fe80::1/tcp/4001", false)]
    [InlineData("/ip4/0.0.0.0/tcp/4001", false)]
    [InlineData("/ip4/10.0.0.5/tcp/4001", true)]
    [InlineData("/ip4/8.8.8.8/tcp/4001", true)]
    [InlineData("/dns4/relay.example/tcp/4001", true)]
    public void IsForOthers_FalseForLoopbackLinkLocalAndUnspecified(string text, bool forOthers) =>
        Assert.Equal(forOthers, Multiaddr.Parse(text).IsForOthers);

    [Fact]
    public void IsForOthers_JudgesACircuitByItsRelaysAddress()
    {
        Assert.False(Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001/p2p/" + Alice + "/p2p-circuit/p2p/" + Bob).IsForOthers);
        Assert.True(Multiaddr.Parse("/ip4/203.0.113.5/tcp/4001/p2p/" + Alice + "/p2p-circuit/p2p/" + Bob).IsForOthers);
    }

    [Fact]
    public void ForOthers_DropsWhatOnlyThisHostCanDial_KeepingOrder()
    {
        var kept = Multiaddr.ForOthers([.. new[] { "/ip4/127.0.0.1/tcp/4001", "/ip4/203.0.113.5/tcp/4001", "/ip4/169.254.96.16/tcp/4001", "/ip4/0.0.0.0/tcp/4001", "/ip4/10.244.1.1/tcp/4001" }.Select(Multiaddr.Parse)]);
        Assert.Equal(["/ip4/203.0.113.5/tcp/4001", "/ip4/10.244.1.1/tcp/4001"], kept.Select(a => a.ToString()));
    }

    [Fact]
    public void ForOthers_KeepsLoopbackWhenNothingElseIsThere()
    {
        var kept = Multiaddr.ForOthers([.. new[] { "/ip4/127.0.0.1/tcp/4001", "/ip4/169.254.96.16/tcp/4001", "/ip4/0.0.0.0/tcp/4001" }.Select(Multiaddr.Parse)]);
        Assert.Equal(["/ip4/127.0.0.1/tcp/4001"], kept.Select(a => a.ToString()));
        Assert.Empty(Multiaddr.ForOthers([]));
    }

    [Fact]
    public void TryGetIp_OnlyForDirectIpAddresses()
    {
        Assert.True(Multiaddr.Parse("/ip4/1.2.3.4/tcp/1").TryGetIp(out var ip));
        Assert.Equal(IPAddress.Parse("1.2.3.4"), ip);
        Assert.False(Multiaddr.Parse("/dns4/x/tcp/1").TryGetIp(out _));
        Assert.False(Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit/p2p/" + Bob).TryGetIp(out _));
    }

    [Fact]
    public void Json_WritesAndReadsText()
    {
        var a = Multiaddr.Parse("/ip4/1.2.3.4/tcp/1");
        Assert.Equal("[\"/ip4/1.2.3.4/tcp/1\"]", JsonSerializer.Serialize(new[] { a }));
        Assert.Equal(a, JsonSerializer.Deserialize<Multiaddr>("\"/ip4/1.2.3.4/tcp/1\""));
    }
}
