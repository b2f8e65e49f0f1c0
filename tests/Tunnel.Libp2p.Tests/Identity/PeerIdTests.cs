using System.Security.Cryptography;
using System.Text;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Identity;

public sealed class PeerIdTests
{
    [Fact]
    public void FromSeed_AliceVector_MatchesJsLibp2p()
    {
        using var key = IdentityKey.FromSeed(SHA256.HashData(Encoding.UTF8.GetBytes("alice")));
        Assert.Equal("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", key.PeerId.ToString());
        Assert.Equal("08011220d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4", Convert.ToHexStringLower(key.PublicKeyProtobuf));
        Assert.Equal(
            "080112402bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4",
            Convert.ToHexStringLower(key.ExportPrivateKeyProtobuf()));
    }

    [Fact]
    public void Parse_Base58AndCid_GiveSamePeer()
    {
        using var key = IdentityKey.Generate();
        var fromBase58 = PeerId.Parse(key.PeerId.ToString());
        var cid = key.PeerId.ToCidString();
        Assert.StartsWith("bafz", cid);
        var fromCid = PeerId.Parse(cid);
        Assert.Equal(key.PeerId, fromBase58);
        Assert.Equal(key.PeerId, fromCid);
        Assert.Equal(key.PublicKeyProtobuf, fromCid.TryGetPublicKey());
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
    }

    [Fact]
    public void Base58_RoundTripsLeadingZeros()
    {
        byte[] data = [0, 0, 1, 2, 255, 0];
        Assert.Equal(data, Base58.Decode(Base58.Encode(data)));
        Assert.StartsWith("11", Base58.Encode(data));
    }

    [Fact]
    public void Sign_VerifiesAndDetectsTampering()
    {
        using var key = IdentityKey.Generate();
        var data = Encoding.ASCII.GetBytes("hello");
        var sig = key.Sign(data);
        Assert.True(SignatureVerifier.Verify(key.PublicKeyProtobuf, data, sig, out _));
        sig[0] ^= 1;
        Assert.False(SignatureVerifier.Verify(key.PublicKeyProtobuf, data, sig, out var reason));
        Assert.Equal("bad signature", reason);
    }
}
