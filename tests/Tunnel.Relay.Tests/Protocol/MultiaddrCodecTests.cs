using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Protocol;

public sealed class MultiaddrCodecTests
{
    private const string Alice = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";

    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/4001")]
    [InlineData("/ip6/::1/tcp/4001/p2p/" + Alice)]
    [InlineData("/dns4/localhost/tcp/1/p2p/" + Alice + "/p2p-circuit/p2p/" + Alice)]
    [InlineData("/ip4/10.0.0.1/udp/4001/quic-v1")]
    public void Encode_ThenDecode_RoundTrips(string text)
    {
        Assert.Equal(text, MultiaddrCodec.TryDecode(MultiaddrCodec.TryEncode(text)));
    }

    [Fact]
    public void Encode_MatchesTheTunnelPluginsBinaryForm()
    {
        var text = "/ip4/192.168.1.2/tcp/4001/p2p/" + Alice;
        Assert.Equal(P2p.Multiaddr.Parse(text).ToBytes(), MultiaddrCodec.TryEncode(text));
    }

    [Theory]
    [InlineData("/ip4/999.0.0.1/tcp/1")]
    [InlineData("/unknown/1")]
    [InlineData("ip4/1.2.3.4")]
    [InlineData("/ip4/1.2.3.4/tcp")]
    [InlineData("/p2p/notapeerid")]
    public void Encode_Invalid_IsNull(string text) => Assert.Null(MultiaddrCodec.TryEncode(text));

    [Fact]
    public void Decode_Garbage_IsNullNeverThrows()
    {
        var random = new Random(7);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            _ = MultiaddrCodec.TryDecode(bytes);
        }
    }

    [Fact]
    public void PeerIds_TextAndBytes_AgreeWithTheTunnelPlugin()
    {
        var id = P2p.PeerId.Parse(Alice);
        Assert.Equal(id.Multihash.ToArray(), PeerIds.ToBytes(Alice));
        Assert.Equal(Alice, PeerIds.FromBytes(id.Multihash));
        Assert.Null(PeerIds.ToBytes("0OIl"));
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit/p2p/" + Alice, "/ip4/1.2.3.4/tcp/1/p2p/" + Alice)]
    [InlineData("/p2p/" + Alice + "/p2p-circuit/p2p/" + Alice, "/p2p/" + Alice)]
    public void CircuitAddress_Parses(string text, string relayPart)
    {
        Assert.True(CircuitAddress.TryParse(text, out var address));
        Assert.Equal(relayPart, address!.RelayAddress);
        Assert.Equal(Alice, address.TargetPeerId);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice)]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p-circuit/p2p/" + Alice)]
    [InlineData("/ip4/1.2.3.4/tcp/1/p2p/" + Alice + "/p2p-circuit")]
    [InlineData(null)]
    public void CircuitAddress_NotACircuit_IsRejected(string? text) => Assert.False(CircuitAddress.TryParse(text, out _));
}
