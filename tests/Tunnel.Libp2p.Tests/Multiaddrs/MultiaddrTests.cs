using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Multiaddrs;

public sealed class MultiaddrTests
{
    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/4001", "047f000001060fa1")]
    [InlineData("/ip6/::1/tcp/80", "2900000000000000000000000000000001060050")]
    [InlineData("/ip4/1.2.3.4/udp/5353", "0401020304910214e9")]
    [InlineData("/dns4/example.com/tcp/443", "360b6578616d706c652e636f6d0601bb")]
    [InlineData("/dns/localhost/tcp/1", "35096c6f63616c686f7374060001")]
    [InlineData("/dns6/h/tcp/1", "370168060001")]
    [InlineData("/dnsaddr/bootstrap.libp2p.io", "3813626f6f7473747261702e6c69627032702e696f")]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit", null)]
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
        var a = Multiaddr.Parse("/ip4/1.2.3.4/tcp/1/ipfs/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm");
        Assert.Equal("/ip4/1.2.3.4/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", a.ToString());
        Assert.Equal("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", a.PeerId!.ToString());
        Assert.Equal("/ip4/1.2.3.4/tcp/1", a.WithoutPeerId().ToString());
    }

    [Theory]
    [InlineData("ip4/1.2.3.4", "must start with '/'")]
    [InlineData("/ip4/1.2.3", "/ip4 value '1.2.3' is not an IPv4")]
    [InlineData("/ip4/1.2.3.4/tcp/70000", "/tcp value '70000' is not a port")]
    [InlineData("/ip4/1.2.3.4/tcp", "/tcp needs a value")]
    [InlineData("/ip4/1.2.3.4/quic-v1", "unknown protocol '/quic-v1'")]
    [InlineData("/ip6/1.2.3.4", "/ip6 value '1.2.3.4' is not an IPv6")]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/notapeer", "/p2p value 'notapeer' is not a peer id")]
    [InlineData("/ip4//tcp/1", "/ip4 needs a value")]
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
    public void FromBytes_Malformed_ThrowsNamingComponent(string hex, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Multiaddr.FromBytes(Convert.FromHexString(hex)));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGetTcpTarget_DnsAndIp()
    {
        Assert.True(Multiaddr.Parse("/dns4/localhost/tcp/99").TryGetTcpTarget(out var host, out var port, out var isIp));
        Assert.Equal(("localhost", 99, false), (host, port, isIp));
        Assert.False(Multiaddr.Parse("/ip4/1.2.3.4/udp/99").TryGetTcpTarget(out _, out _, out _));
    }
}
