using PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Dcutr;

public sealed class HolePunchMessageTests
{
    [Fact]
    public void Encode_Connect_RoundTrips()
    {
        var addr = Multiaddr.Parse("/ip4/198.51.100.1/tcp/4001").ToBytes();
        var bytes = new HolePunchMessage(HolePunchMessage.Connect, [addr]).Encode();
        Assert.Equal([0x08, 0x64], bytes[..2]);
        var back = HolePunchMessage.Decode(bytes);
        Assert.Equal(HolePunchMessage.Connect, back.Type);
        Assert.Equal(addr, Assert.Single(back.ObsAddrs));
    }

    [Fact]
    public void Decode_Sync_Accepted() => Assert.Equal(HolePunchMessage.Sync, HolePunchMessage.Decode(Convert.FromHexString("08ac02")).Type);

    [Theory]
    [InlineData("", "missing")]
    [InlineData("0801", "type 1 is neither")]
    [InlineData("12020304", "missing")]
    public void Decode_BadType_Rejected(string hex, string message)
    {
        var e = Assert.Throws<FormatException>(() => HolePunchMessage.Decode(Convert.FromHexString(hex)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
