using System.Text.Json;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.P2p.Tests.Addressing;

public sealed class PeerIdTests
{
    private const string Alice = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";

    [Fact]
    public void Parse_Base58AndCid_GiveSamePeer()
    {
        using var key = PrivateKey.Generate();
        var fromBase58 = PeerId.Parse(key.PeerId.ToString());
        var cid = key.PeerId.ToCidString();
        Assert.StartsWith("bafz", cid, StringComparison.Ordinal);
        var fromCid = PeerId.Parse(cid);
        Assert.Equal(key.PeerId, fromBase58);
        Assert.Equal(key.PeerId, fromCid);
        Assert.Equal(key.PublicKey.Protobuf.ToArray(), fromCid.TryGetPublicKey());
        Assert.True(fromCid.Matches(key.PublicKey.Protobuf));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("12D3KooW0000", "invalid character '0'")]
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5", "multihash")]
    [InlineData("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "codec")]
    public void Parse_Malformed_ThrowsNamingProblem(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => PeerId.Parse(text));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.False(PeerId.TryParse(text, out _));
    }

    [Fact]
    public void Rsa_HashedPeerId_IsSha256Multihash()
    {
        var protobuf = KeyProtobuf.Encode(KeyType.Rsa, new byte[270]);
        var id = PeerId.FromPublicKey(protobuf);
        Assert.StartsWith("Qm", id.ToString(), StringComparison.Ordinal);
        Assert.Null(id.TryGetPublicKey());
        Assert.Equal(id, PeerId.FromMultihash(id.Multihash));
    }

    [Fact]
    public void Json_WritesAndReadsText()
    {
        var id = PeerId.Parse(Alice);
        Assert.Equal($"{{\"p\":\"{Alice}\"}}", JsonSerializer.Serialize(new { p = id }));
        Assert.Equal(id, JsonSerializer.Deserialize<PeerId>($"\"{Alice}\""));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PeerId>("\"nope\""));
    }

    [Fact]
    public void Equality_HashAndOrder_ByValue()
    {
        var a = PeerId.Parse(Alice);
        var b = PeerId.Parse(PeerId.Parse(Alice).ToCidString());
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(0, a.CompareTo(b));
    }
}
