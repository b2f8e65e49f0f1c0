namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>
/// The libp2p <c>PublicKey</c> protobuf (<c>Type = 1</c> varint, <c>Data = 2</c> bytes) restricted to
/// Ed25519, and the PeerId it names. Only Ed25519 identities are accepted: their PeerId is the
/// identity multihash of the key, so a record proves its own PeerId without any lookup.
/// </summary>
internal static class Ed25519PublicKey
{
    private const int Ed25519KeyType = 1;
    private const int RawKeyLength = 32;

    /// <summary>The 32-byte raw key; throws <see cref="FormatException"/> when the protobuf is not an Ed25519 key.</summary>
    public static byte[] ParseRaw(ReadOnlySpan<byte> protobuf)
    {
        var reader = new WireReader(protobuf);
        ulong? type = null;
        byte[]? data = null;
        while (!reader.AtEnd)
        {
            var tag = reader.ReadVarint("public key tag");
            switch (tag)
            {
                case (1 << 3) | 0:
                    type = reader.ReadVarint("public key type");
                    break;
                case (2 << 3) | 2:
                    data = reader.ReadBytes("public key data", 64).ToArray();
                    break;
                default:
                    throw new FormatException($"public key: unexpected protobuf tag {tag}");
            }
        }
        if (type != Ed25519KeyType) throw new FormatException($"public key: type {type?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"} is not Ed25519 (1)");
        if (data is null || data.Length != RawKeyLength) throw new FormatException("public key: Ed25519 data must be 32 bytes");
        return data;
    }

    /// <summary>
    /// PeerId text of a key protobuf: base58btc of the identity multihash <c>0x00 &lt;len&gt; &lt;protobuf&gt;</c>
    /// (libp2p peer-ids spec: keys of at most 42 bytes are inlined, not hashed).
    /// </summary>
    public static string PeerIdOf(ReadOnlySpan<byte> protobuf)
    {
        if (protobuf.Length > 42) throw new FormatException("public key: longer than 42 bytes, not an inlined (identity) PeerId");
        var multihash = new byte[2 + protobuf.Length];
        multihash[0] = 0x00;
        multihash[1] = (byte)protobuf.Length;
        protobuf.CopyTo(multihash.AsSpan(2));
        return Base58.Encode(multihash);
    }
}
