using System.Security.Cryptography;
using FsCheck.Xunit;
using PluginMesh.P2p.Crypto;
using NSecEd25519 = NSec.Cryptography.SignatureAlgorithm;

namespace PluginMesh.P2p.Tests.Crypto;

/// <summary>
/// The libcrypto-backed Ed25519 against RFC 8032's test vectors and against NSec (libsodium), which
/// the plugins used before the core existed: same signatures, same verdicts, weak inputs included.
/// </summary>
public sealed class Ed25519Tests
{
    [Theory]
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    [InlineData("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704")]
    public void Rfc8032Vectors_SignAndVerify(string seed, string publicKey, string message, string signature)
    {
        using var key = PrivateKey.FromSeed(Convert.FromHexString(seed));
        Assert.Equal(publicKey, Convert.ToHexStringLower(key.PublicKey.Raw));
        var msg = Convert.FromHexString(message);
        Assert.Equal(signature, Convert.ToHexStringLower(key.Sign(msg)));
        Assert.True(key.PublicKey.Verify(msg, Convert.FromHexString(signature)));
    }

    [Property(MaxTest = 200)]
    public bool SignatureAndVerdict_MatchNSec(byte[] message, byte flip)
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        using var ours = PrivateKey.FromSeed(seed);
        using var theirs = NSec.Cryptography.Key.Import(NSecEd25519.Ed25519, seed, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        var signature = ours.Sign(message);
        if (!signature.AsSpan().SequenceEqual(NSecEd25519.Ed25519.Sign(theirs, message))) return false;
        if (!ours.PublicKey.Raw.SequenceEqual(theirs.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey))) return false;
        signature[flip % 64] ^= (byte)(1 << (flip % 8));
        return ours.PublicKey.Verify(message, signature) == NSecEd25519.Ed25519.Verify(theirs.PublicKey, message, signature);
    }

    public static TheoryData<string, string> WeakInputs() => new()
    {
        // identity point as key with R = identity and S = 0: holds for every message unless small orders are refused
        { "0100000000000000000000000000000000000000000000000000000000000000", "0100000000000000000000000000000000000000000000000000000000000000" + new string('0', 64) },
        // order-8 point as key
        { "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a" + new string('0', 64) },
        // non-canonical key encoding (y = p + 1) and a sign-bit variant of the identity
        { "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "0100000000000000000000000000000000000000000000000000000000000000" + new string('0', 64) },
        { "0100000000000000000000000000000000000000000000000000000000000080", "0100000000000000000000000000000000000000000000000000000000000080" + new string('0', 64) },
    };

    [Theory]
    [MemberData(nameof(WeakInputs))]
    public void WeakKeysAndSignatures_RejectedLikeNSec(string publicKey, string signature)
    {
        var pk = Convert.FromHexString(publicKey);
        var sig = Convert.FromHexString(signature);
        byte[] msg = [1, 2, 3];
        var nsec = NSec.Cryptography.PublicKey.TryImport(NSecEd25519.Ed25519, pk, NSec.Cryptography.KeyBlobFormat.RawPublicKey, out var key) && NSecEd25519.Ed25519.Verify(key!, msg, sig);
        Assert.False(nsec);
        Assert.False(PublicKey.FromEd25519(pk).Verify(msg, sig));
    }

    [Fact]
    public void NonCanonicalS_Rejected()
    {
        using var key = PrivateKey.Generate();
        byte[] msg = [9];
        var sig = key.Sign(msg);
        // S + L is the same scalar mod L but not canonical.
        var s = new System.Numerics.BigInteger(sig.AsSpan(32), isUnsigned: true) + System.Numerics.BigInteger.Parse("7237005577332262213973186563042994240857116359379907606001950938285454250989", System.Globalization.CultureInfo.InvariantCulture);
        var bytes = s.ToByteArray(isUnsigned: true);
        Array.Resize(ref bytes, 32);
        bytes.CopyTo(sig, 32);
        Assert.False(key.PublicKey.Verify(msg, sig));
    }

    [Fact]
    public void Verify_WrongLengths_FalseNotThrow()
    {
        using var key = PrivateKey.Generate();
        Assert.False(key.PublicKey.Verify([1], new byte[63]));
        Assert.False(key.PublicKey.Verify([1], new byte[65]));
    }

    [Fact]
    public void Sign_VerifiesAndDetectsTampering()
    {
        using var key = PrivateKey.Generate();
        var data = "hello"u8.ToArray();
        var sig = key.Sign(data);
        Assert.True(key.PublicKey.Verify(data, sig, out _));
        sig[0] ^= 1;
        Assert.False(key.PublicKey.Verify(data, sig, out var reason));
        Assert.Equal("bad signature", reason);
    }

    [Fact]
    public void Verify_OtherKeyType_FailsWithReason()
    {
        var rsa = PublicKey.FromProtobuf(KeyProtobuf.Encode(KeyType.Rsa, new byte[100]));
        Assert.False(rsa.Verify([1], new byte[64], out var reason));
        Assert.Equal("unsupported identity key type Rsa", reason);
    }

    [Fact]
    public void Disposed_SignThrows()
    {
        var key = PrivateKey.Generate();
        key.Dispose();
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Sign([1]));
    }

    [Fact]
    public void ConcurrentSigning_AllSignaturesVerify()
    {
        using var key = PrivateKey.Generate();
        Parallel.For(0, 2000, i =>
        {
            var msg = BitConverter.GetBytes(i);
            Assert.True(key.PublicKey.Verify(msg, key.Sign(msg)));
        });
    }
}
