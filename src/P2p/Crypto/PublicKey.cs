namespace PluginMesh.P2p.Crypto;

/// <summary>
/// A libp2p public key: its type and raw bytes, with the <c>PublicKey</c> protobuf they travel in.
/// Any of the four key types parses; only Ed25519 verifies (the others fail with a reason).
/// </summary>
/// <remarks>Immutable, compared by value, thread-safe.</remarks>
public sealed class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] _raw;
    private readonly byte[] _protobuf;

    private PublicKey(KeyType type, byte[] raw, byte[] protobuf)
    {
        Type = type;
        _raw = raw;
        _protobuf = protobuf;
    }

    /// <summary>The key type.</summary>
    public KeyType Type { get; }

    /// <summary>The raw key (the protobuf's <c>Data</c>; 32 bytes for Ed25519).</summary>
    public ReadOnlySpan<byte> Raw => _raw;

    /// <summary>The libp2p <c>PublicKey</c> protobuf, as sent in Noise, Identify, envelopes and records.</summary>
    public ReadOnlySpan<byte> Protobuf => _protobuf;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(PublicKey? left, PublicKey? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(PublicKey? left, PublicKey? right) => !(left == right);

    /// <summary>An Ed25519 key from its 32 raw bytes.</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    public static PublicKey FromEd25519(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != Ed25519.PublicKeyLength) throw new ArgumentException($"an Ed25519 public key is {Ed25519.PublicKeyLength} bytes, got {raw.Length}", nameof(raw));
        return new PublicKey(KeyType.Ed25519, raw.ToArray(), KeyProtobuf.Encode(KeyType.Ed25519, raw));
    }

    /// <summary>Parses a <c>PublicKey</c> protobuf. The protobuf is kept as given (it is what a PeerId hashes).</summary>
    /// <exception cref="FormatException">Broken protobuf, unknown type, or an Ed25519 key that is not 32 bytes.</exception>
    public static PublicKey FromProtobuf(ReadOnlySpan<byte> protobuf)
    {
        var (type, data) = KeyProtobuf.Decode(protobuf);
        if (type == KeyType.Ed25519 && data.Length != Ed25519.PublicKeyLength)
            throw new FormatException($"key: Ed25519 public key must be {Ed25519.PublicKeyLength} bytes, got {data.Length}");
        return new PublicKey(type, data, protobuf.ToArray());
    }

    /// <summary>Non-throwing <see cref="FromProtobuf"/>; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryFromProtobuf(ReadOnlySpan<byte> protobuf, out PublicKey? key, out string? error) =>
        NonThrowing.Try(FromProtobuf, protobuf, out key, out error);

    /// <summary>The PeerId this key names.</summary>
    public PeerId ToPeerId() => PeerId.FromPublicKey(_protobuf);

    /// <summary>True when <paramref name="signature"/> is a valid signature of <paramref name="data"/> by this key.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Verify(data, signature, out _);

    /// <summary>As <see cref="Verify(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>; <paramref name="reason"/> says why not.</summary>
    /// <remarks>Only Ed25519 is verified; another key type fails with <c>unsupported identity key type …</c>.</remarks>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, out string? reason)
    {
        if (Type != KeyType.Ed25519)
        {
            reason = $"unsupported identity key type {Type}";
            return false;
        }
        if (!Ed25519.Verify(_raw, data, signature))
        {
            reason = "bad signature";
            return false;
        }
        reason = null;
        return true;
    }

    /// <summary>Equal when the protobufs are equal.</summary>
    public bool Equals(PublicKey? other) => other is not null && _protobuf.AsSpan().SequenceEqual(other._protobuf);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_protobuf);
        return hash.ToHashCode();
    }

    /// <summary>Type and PeerId, for logs.</summary>
    public override string ToString() => $"{Type} key of {ToPeerId()}";
}
