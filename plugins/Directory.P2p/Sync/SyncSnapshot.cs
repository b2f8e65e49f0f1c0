using System.Buffers.Binary;
using System.Security.Cryptography;
using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Store;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// The unexpired records held at one moment, ordered by sync key, with prefix sums of their item
/// hashes (mod 2²⁵⁶) so that any range's fingerprint costs two binary searches and one SHA-256.
/// A fingerprint is the first 16 bytes of SHA-256(sum as 32 bytes little-endian ‖ count as uint64
/// little-endian). Immutable; one conversation uses one snapshot throughout.
/// </summary>
internal sealed class SyncSnapshot
{
    private readonly byte[][] _keys;
    private readonly long[] _sequences;
    private readonly string[] _peers;
    private readonly ulong[] _prefix;

    public SyncSnapshot(IReadOnlyList<StoredRecord> records, long version, DateTimeOffset validUntil)
        : this([.. records.Select(r => new Entry(r.SyncKey, r.Signed.Record.Sequence, r.Signed.Record.PeerId.ToString(), r.ItemHash))], version, validUntil)
    {
    }

    /// <summary>From bare items (reconciliation without records behind them: the model tests).</summary>
    public SyncSnapshot(IReadOnlyList<Entry> entries, long version, DateTimeOffset validUntil)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sorted = entries.OrderBy(e => e.Key, KeyComparer.Instance).ToArray();
        _keys = [.. sorted.Select(e => e.Key)];
        _sequences = [.. sorted.Select(e => e.Sequence)];
        _peers = [.. sorted.Select(e => e.Peer)];
        _prefix = new ulong[4 * (sorted.Length + 1)];
        for (var i = 0; i < sorted.Length; i++)
        {
            var hash = sorted[i].ItemHash;
            ulong carry = 0;
            for (var limb = 0; limb < 4; limb++)
            {
                var add = BinaryPrimitives.ReadUInt64LittleEndian(hash.AsSpan(limb * 8, 8));
                var before = _prefix[4 * i + limb];
                var sum = before + add;
                var c1 = sum < before ? 1UL : 0UL;
                var total = sum + carry;
                var c2 = total < sum ? 1UL : 0UL;
                _prefix[4 * (i + 1) + limb] = total;
                carry = c1 | c2;
            }
        }
        Version = version;
        ValidUntil = validUntil;
    }

    public static SyncSnapshot Empty { get; } = new(Array.Empty<Entry>(), -1, DateTimeOffset.MaxValue);

    /// <summary>One item with what identifies its record.</summary>
    public readonly record struct Entry(byte[] Key, long Sequence, string Peer, byte[] ItemHash);

    /// <summary>The store version it was taken at.</summary>
    public long Version { get; }

    /// <summary>The soonest expiry among its records: past it, the snapshot is out of date.</summary>
    public DateTimeOffset ValidUntil { get; }

    public int Count => _keys.Length;

    public byte[] KeyAt(int index) => _keys[index];

    public long SequenceAt(int index) => _sequences[index];

    public string PeerAt(int index) => _peers[index];

    public SyncItem ItemAt(int index) => new(_keys[index], _sequences[index]);

    /// <summary>Index of exactly <paramref name="key"/>, or -1.</summary>
    public int Find(byte[] key)
    {
        var i = Array.BinarySearch(_keys, key, KeyComparer.Instance);
        return i >= 0 ? i : -1;
    }

    /// <summary>Index of the first key not below <paramref name="bound"/> (an empty bound is the lowest; null is +∞).</summary>
    public int IndexOf(byte[]? bound)
    {
        if (bound is null) return _keys.Length;
        int lo = 0, hi = _keys.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (SyncKeys.Below(_keys[mid], bound)) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>Fingerprint of the items at indices [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public byte[] Fingerprint(int from, int to)
    {
        Span<byte> input = stackalloc byte[40];
        ulong borrow = 0;
        for (var limb = 0; limb < 4; limb++)
        {
            var a = _prefix[4 * to + limb];
            var b = _prefix[4 * from + limb];
            var diff = a - b - borrow;
            borrow = a < b || (a == b && borrow == 1) ? 1UL : 0UL;
            BinaryPrimitives.WriteUInt64LittleEndian(input[(limb * 8)..], diff);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(input[32..], (ulong)(to - from));
        return SHA256.HashData(input)[..DirectoryProtocol.FingerprintBytes];
    }

    /// <summary>Orders 32-byte keys as unsigned big-endian numbers.</summary>
    internal sealed class KeyComparer : IComparer<byte[]>
    {
        public static KeyComparer Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
