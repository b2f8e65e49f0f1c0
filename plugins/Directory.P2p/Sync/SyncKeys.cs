using System.Buffers.Binary;
using System.Security.Cryptography;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Keys, bounds and item hashes of range reconciliation (README "Sync protocol"): a record is the item
/// (key = SHA-256 of its PeerId's multihash, value = its sequence). Hashing the PeerId spreads keys
/// evenly over the key space whatever the key type, so equal-count splits are also even ranges. A
/// bound is a key prefix of 1–32 bytes read as if zero-padded to 32; null is +∞.
/// </summary>
internal static class SyncKeys
{
    public const int KeyLength = 32;

    public static byte[] Of(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        return SHA256.HashData(peerId.Multihash);
    }

    /// <summary>SHA-256(key ‖ sequence as uint64 big-endian): what fingerprints add up.</summary>
    public static byte[] ItemHash(ReadOnlySpan<byte> key, long sequence)
    {
        Span<byte> input = stackalloc byte[KeyLength + 8];
        key.CopyTo(input);
        BinaryPrimitives.WriteUInt64BigEndian(input[KeyLength..], (ulong)sequence);
        return SHA256.HashData(input);
    }

    /// <summary>True when <paramref name="key"/> lies below <paramref name="bound"/> (null: +∞).</summary>
    public static bool Below(ReadOnlySpan<byte> key, byte[]? bound) =>
        bound is null || key[..bound.Length].SequenceCompareTo(bound) < 0;

    /// <summary>Orders bounds as zero-padded 32-byte values; +∞ (null) last.</summary>
    public static int CompareBounds(byte[]? a, byte[]? b)
    {
        if (a is null) return b is null ? 0 : 1;
        if (b is null) return -1;
        Span<byte> x = stackalloc byte[KeyLength];
        Span<byte> y = stackalloc byte[KeyLength];
        x.Clear();
        y.Clear();
        a.CopyTo(x);
        b.CopyTo(y);
        return x.SequenceCompareTo(y);
    }

    /// <summary>The shortest bound above <paramref name="below"/> and at most <paramref name="above"/> (keys, below &lt; above).</summary>
    public static byte[] Between(ReadOnlySpan<byte> below, ReadOnlySpan<byte> above)
    {
        var common = below.CommonPrefixLength(above);
        return above[..Math.Min(common + 1, KeyLength)].ToArray();
    }
}
