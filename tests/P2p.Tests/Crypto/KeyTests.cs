using System.Security.Cryptography;
using System.Text;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.P2p.Tests.Crypto;

public sealed class KeyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-key-").FullName;

    [Fact]
    public void FromSeed_AliceVector_MatchesJsLibp2p()
    {
        using var key = PrivateKey.FromSeed(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("alice")));
        Assert.Equal("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", key.PeerId.ToString());
        Assert.Equal("08011220d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4", Convert.ToHexStringLower(key.PublicKey.Protobuf));
        Assert.Equal(
            "080112402bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4",
            Convert.ToHexStringLower(key.ExportProtobuf()));
    }

    [Fact]
    public void PrivateKeyProtobuf_RoundTrips_AndBareSeedIsAccepted()
    {
        using var key = PrivateKey.Generate();
        var exported = key.ExportProtobuf();
        using var back = PrivateKey.FromProtobuf(exported);
        Assert.Equal(key.PeerId, back.PeerId);
        var (_, data) = KeyProtobuf.Decode(exported);
        using var fromSeed = PrivateKey.FromProtobuf(KeyProtobuf.Encode(KeyType.Ed25519, data.AsSpan(0, 32)));
        Assert.Equal(key.PeerId, fromSeed.PeerId);
    }

    [Fact]
    public void FromProtobuf_GoLegacy96ByteForm_SameIdentityAsJsReadsIt()
    {
        // @libp2p/interop's go.ed25519.key: seed, public key, public key again; js-libp2p reads this PeerId from it.
        const string Hex = "08011260aaa3c291e9b857950e0682d7a2ffc5cc46763de945aa4f2a6262c5d6654a4b22edf6506bf561d7ec8657aef3026273c5d97c89fcb7c083a5dfec382adf792bb0edf6506bf561d7ec8657aef3026273c5d97c89fcb7c083a5dfec382adf792bb0";
        using var key = PrivateKey.FromProtobuf(Convert.FromHexString(Hex));
        Assert.Equal("12D3KooWRqGdmFVwspgLBajUQacY1TrkBkAUqmjqjbHSFGEoZs9R", key.PeerId.ToString());
    }

    [Fact]
    public void FromProtobuf_Legacy96ByteFormWithAnotherTail_FormatException()
    {
        using var key = PrivateKey.Generate();
        var (_, data) = KeyProtobuf.Decode(key.ExportProtobuf());
        var legacy = data.Concat(data[32..]).ToArray();
        legacy[95] ^= 1;
        var e = Assert.Throws<FormatException>(() => PrivateKey.FromProtobuf(KeyProtobuf.Encode(KeyType.Ed25519, legacy)));
        Assert.Contains("does not repeat its public key", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("080212200000000000000000000000000000000000000000000000000000000000000000", "only Ed25519")]
    [InlineData("0801120100", "32, 64 or 96 bytes")]
    [InlineData("0801", "missing Data")]
    [InlineData("1200", "missing Type")]
    [InlineData("0809", "unknown key type 9")]
    public void PrivateKey_FromBadProtobuf_FormatException(string hex, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => PrivateKey.FromProtobuf(Convert.FromHexString(hex)));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateKey_MismatchedPublicHalf_FormatException()
    {
        using var key = PrivateKey.Generate();
        var (_, data) = KeyProtobuf.Decode(key.ExportProtobuf());
        data[63] ^= 1;
        var e = Assert.Throws<FormatException>(() => PrivateKey.FromProtobuf(KeyProtobuf.Encode(KeyType.Ed25519, data)));
        Assert.Contains("does not match", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PublicKey_FromProtobuf_KeepsBytesAndEquality()
    {
        using var key = PrivateKey.Generate();
        var parsed = PublicKey.FromProtobuf(key.PublicKey.Protobuf);
        Assert.Equal(key.PublicKey, parsed);
        Assert.Equal(key.PeerId, parsed.ToPeerId());
        Assert.False(PublicKey.TryFromProtobuf(KeyProtobuf.Encode(KeyType.Ed25519, new byte[31]), out _, out var error));
        Assert.Contains("32 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyFile_FirstCall_CreatesOwnerOnlyFileAndSecondCallReusesIt()
    {
        var path = Path.Combine(_dir, "sub", "identity.key");
        using var first = KeyFile.LoadOrCreate(path);
        if (OperatingSystem.IsLinux()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var second = KeyFile.LoadOrCreate(path);
        Assert.Equal(first.PeerId, second.PeerId);
        // The file format is the libp2p PrivateKey protobuf: seed then public key.
        Assert.Equal(first.ExportProtobuf(), File.ReadAllBytes(path));
    }

    [Fact]
    public void KeyFile_CorruptFile_ThrowsAndLeavesFileUntouched()
    {
        var path = Path.Combine(_dir, "bad.key");
        File.WriteAllBytes(path, [1, 2, 3]);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var e = Assert.Throws<FormatException>(() => KeyFile.LoadOrCreate(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
    }

    [Fact]
    public void KeyFile_ReadsAFileWrittenByTheFormerNSecCode()
    {
        // What the tunnel's NSec-based key file wrote for the seed 00..1f (libp2p PrivateKey protobuf, seed ‖ public key).
        var seed = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        using var nsec = NSec.Cryptography.Key.Import(NSec.Cryptography.SignatureAlgorithm.Ed25519, seed, NSec.Cryptography.KeyBlobFormat.RawPrivateKey);
        var pub = nsec.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey);
        var path = Path.Combine(_dir, "old.key");
        File.WriteAllBytes(path, [0x08, 0x01, 0x12, 0x40, .. seed, .. pub]);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var key = KeyFile.LoadOrCreate(path);
        Assert.Equal(pub, key.PublicKey.Raw.ToArray());
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite)]
    public void KeyFile_ReadableByGroupOrOthers_IsRefusedNamingTheFileAndTheFix(UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) return;
        var path = Path.Combine(_dir, "shared.key");
        using (KeyFile.LoadOrCreate(path)) { }
        var content = File.ReadAllBytes(path);
        File.SetUnixFileMode(path, mode);
        var e = Assert.Throws<UnauthorizedAccessException>(() => KeyFile.LoadOrCreate(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 {path}", e.Message, StringComparison.Ordinal);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(mode, File.GetUnixFileMode(path));

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var key = KeyFile.LoadOrCreate(path);
        Assert.Equal(content, key.ExportProtobuf());
    }

    [Fact]
    public void KeyFile_ConcurrentCreators_AllGetTheOneKeyOnDisk_AndNoTempFileIsLeft()
    {
        var dir = Path.Combine(_dir, "race");
        var path = Path.Combine(dir, "identity.key");
        var peers = new PeerId[8];
        Parallel.For(0, peers.Length, i =>
        {
            using var key = KeyFile.LoadOrCreate(path);
            peers[i] = key.PeerId;
        });
        using var onDisk = KeyFile.Load(path);
        Assert.All(peers, p => Assert.Equal(onDisk.PeerId, p));
        Assert.Equal(["identity.key"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void PrivateFile_TryCreate_NeverReplacesAnExistingFile()
    {
        var path = Path.Combine(_dir, "secret");
        Assert.True(PrivateFile.TryCreate(path, [1, 2, 3]));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.False(PrivateFile.TryCreate(path, [4, 5, 6]));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
