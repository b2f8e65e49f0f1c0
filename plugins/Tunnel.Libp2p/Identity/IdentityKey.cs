using NSec.Cryptography;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Identity;

/// <summary>
/// This node's Ed25519 identity key. Every node creates its own (never derived from a node name:
/// anyone could then compute anyone's key). Thread-safe; dispose to wipe the private key.
/// </summary>
public sealed class IdentityKey : IDisposable
{
    private readonly Key _key;

    private IdentityKey(Key key)
    {
        _key = key;
        PublicKeyRaw = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        PublicKeyProtobuf = PublicKeyCodec.Encode(KeyType.Ed25519, PublicKeyRaw);
        PeerId = PeerId.FromPublicKey(PublicKeyProtobuf);
    }

    /// <summary>The 32-byte raw Ed25519 public key.</summary>
    public byte[] PublicKeyRaw { get; }

    /// <summary>The libp2p <c>PublicKey</c> protobuf.</summary>
    public byte[] PublicKeyProtobuf { get; }

    public PeerId PeerId { get; }

    public static IdentityKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>From a 32-byte RFC 8032 seed.</summary>
    public static IdentityKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32) throw new ArgumentException("Ed25519 seed must be 32 bytes", nameof(seed));
        return new(Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>From a libp2p <c>PrivateKey</c> protobuf (Ed25519 data: seed ‖ public key, or the bare seed).</summary>
    public static IdentityKey FromPrivateKeyProtobuf(ReadOnlySpan<byte> encoded)
    {
        var (type, data) = PublicKeyCodec.Decode(encoded);
        if (type != KeyType.Ed25519) throw new FormatException($"key: only Ed25519 identities are supported, got {type}");
        if (data.Length != 64 && data.Length != 32) throw new FormatException($"key: Ed25519 private key must be 32 or 64 bytes, got {data.Length}");
        var key = FromSeed(data.AsSpan(0, 32));
        if (data.Length == 64 && !data.AsSpan(32).SequenceEqual(key.PublicKeyRaw))
        {
            key.Dispose();
            throw new FormatException("key: Ed25519 private key's public half does not match its seed");
        }
        return key;
    }

    /// <summary>The libp2p <c>PrivateKey</c> protobuf (seed ‖ public key, as go and js write it).</summary>
    public byte[] ExportPrivateKeyProtobuf()
    {
        var seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        var data = new byte[64];
        seed.CopyTo(data, 0);
        PublicKeyRaw.CopyTo(data, 32);
        Array.Clear(seed);
        var encoded = PublicKeyCodec.Encode(KeyType.Ed25519, data);
        Array.Clear(data);
        return encoded;
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    public void Dispose() => _key.Dispose();
}
