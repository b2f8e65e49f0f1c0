using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PluginMesh.P2p.Crypto;
using PluginMesh.P2p.Encoding;

namespace PluginMesh.P2p;

/// <summary>
/// A libp2p PeerId: the multihash of the identity's <c>PublicKey</c> protobuf (an identity multihash
/// when that is at most 42 bytes, sha2-256 otherwise). Text is base58btc (<c>12D3KooW…</c>,
/// <c>Qm…</c>); the CIDv1 form (<c>bafz…</c>) is accepted too. JSON writes it as its text.
/// </summary>
/// <remarks>Immutable, compared by value (its multihash), thread-safe.</remarks>
[JsonConverter(typeof(PeerIdJsonConverter))]
public sealed class PeerId : IEquatable<PeerId>, IComparable<PeerId>
{
    private const int IdentityHashLimit = 42;
    private const ulong LibP2pKeyCodec = 0x72;
    private readonly byte[] _multihash;
    private readonly string _text;

    private PeerId(byte[] multihash)
    {
        _multihash = multihash;
        _text = Base58.Encode(multihash);
    }

    /// <summary>The multihash bytes (as carried in <c>/p2p/</c> components, relay messages and vouchers).</summary>
    public ReadOnlySpan<byte> Multihash => _multihash;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(PeerId? left, PeerId? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(PeerId? left, PeerId? right) => !(left == right);

    /// <summary>The PeerId of a <c>PublicKey</c> protobuf (taken as given, not re-encoded).</summary>
    public static PeerId FromPublicKey(ReadOnlySpan<byte> publicKeyProtobuf)
    {
        if (publicKeyProtobuf.Length <= IdentityHashLimit)
        {
            var mh = new byte[2 + publicKeyProtobuf.Length];
            mh[0] = 0x00;
            mh[1] = (byte)publicKeyProtobuf.Length;
            publicKeyProtobuf.CopyTo(mh.AsSpan(2));
            return new PeerId(mh);
        }
        var hashed = new byte[34];
        hashed[0] = 0x12;
        hashed[1] = 0x20;
        SHA256.HashData(publicKeyProtobuf, hashed.AsSpan(2));
        return new PeerId(hashed);
    }

    /// <summary>The PeerId of <paramref name="key"/>.</summary>
    public static PeerId FromPublicKey(PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return FromPublicKey(key.Protobuf);
    }

    /// <summary>From multihash bytes.</summary>
    /// <exception cref="FormatException">Not an identity multihash of a key protobuf (≤ 42 bytes) or a sha2-256 one; the message starts with <c>peer id:</c>.</exception>
    public static PeerId FromMultihash(ReadOnlySpan<byte> multihash)
    {
        var n = Varint.TryRead(multihash, out var code);
        if (n <= 0) throw new FormatException("peer id: truncated multihash code");
        var m = Varint.TryRead(multihash[n..], out var length);
        if (m <= 0) throw new FormatException("peer id: truncated multihash length");
        var digest = multihash[(n + m)..];
        if ((ulong)digest.Length != length) throw new FormatException($"peer id: multihash says {length} digest bytes, has {digest.Length}");
        switch (code)
        {
            case 0x00 when length <= IdentityHashLimit:
                KeyProtobuf.Decode(digest); // an identity multihash must hold a key protobuf
                break;
            case 0x12 when length == 32:
                break;
            default:
                throw new FormatException($"peer id: unsupported multihash 0x{code:x} with {length} bytes");
        }
        return new PeerId(multihash.ToArray());
    }

    /// <summary>Non-throwing <see cref="FromMultihash"/>.</summary>
    public static bool TryFromMultihash(ReadOnlySpan<byte> multihash, out PeerId? peerId) =>
        NonThrowing.Try(FromMultihash, multihash, out peerId, out _);

    /// <summary>Parses base58btc (<c>12D3KooW…</c>, <c>Qm…</c>) or CIDv1 (<c>bafz…</c>, libp2p-key codec).</summary>
    /// <exception cref="FormatException">Empty, bad characters, a bad CID, or not a PeerId multihash; the message says which.</exception>
    public static PeerId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw new FormatException("peer id: empty");
        if (text[0] == 'b')
        {
            var cid = Base32.Decode(text.AsSpan(1));
            var n = Varint.TryRead(cid, out var version);
            if (n <= 0 || version != 1) throw new FormatException("peer id: CID is not version 1");
            var m = Varint.TryRead(cid.AsSpan(n), out var codec);
            if (m <= 0 || codec != LibP2pKeyCodec) throw new FormatException($"peer id: CID codec 0x{codec:x} is not libp2p-key (0x72)");
            return FromMultihash(cid.AsSpan(n + m));
        }
        return FromMultihash(Base58.Decode(text));
    }

    /// <summary>Non-throwing <see cref="Parse"/>; false for null.</summary>
    public static bool TryParse(string? text, out PeerId? peerId)
    {
        if (text is not null) return NonThrowing.Try(Parse, text, out peerId, out _);
        peerId = null;
        return false;
    }

    /// <summary>The embedded <c>PublicKey</c> protobuf for identity multihashes; null for hashed ids.</summary>
    public byte[]? TryGetPublicKey() => _multihash[0] == 0x00 ? _multihash.AsSpan(2).ToArray() : null;

    /// <summary>True when <paramref name="publicKeyProtobuf"/> is the key this id names.</summary>
    public bool Matches(ReadOnlySpan<byte> publicKeyProtobuf) => Equals(FromPublicKey(publicKeyProtobuf));

    /// <summary>The CIDv1 text form (multibase base32, libp2p-key codec).</summary>
    public string ToCidString()
    {
        var bytes = new byte[2 + _multihash.Length];
        bytes[0] = 0x01;
        bytes[1] = (byte)LibP2pKeyCodec;
        _multihash.CopyTo(bytes, 2);
        return "b" + Base32.Encode(bytes);
    }

    /// <summary>The base58btc text.</summary>
    public override string ToString() => _text;

    /// <inheritdoc />
    public bool Equals(PeerId? other) => other is not null && _multihash.AsSpan().SequenceEqual(other._multihash);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PeerId);

    /// <inheritdoc />
    public override int GetHashCode() => _text.GetHashCode(StringComparison.Ordinal);

    /// <summary>Orders by text (ordinal), as status pages list peers.</summary>
    public int CompareTo(PeerId? other) => other is null ? 1 : string.CompareOrdinal(_text, other._text);
}
