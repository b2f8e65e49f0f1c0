namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>
/// One RECONCILE frame of <c>/pluginmesh/directory/2.0.0</c>: consecutive ranges covering the whole key
/// space (the first starts at the lowest key, each ends at its upper bound, the last bound is +∞),
/// each skipped, summarised by a fingerprint, or listed item by item; and the keys whose records the
/// sender asks for.
/// </summary>
/// <param name="Ranges">The ranges, in order.</param>
/// <param name="Needs">Keys (32 bytes) whose records the sender wants.</param>
internal sealed record ReconcileMessage(IReadOnlyList<SyncRange> Ranges, IReadOnlyList<byte[]> Needs)
{
    /// <summary>True when the receiver must answer with another RECONCILE (a fingerprint or an item list is open).</summary>
    public bool Asks => Ranges.Any(r => r.Mode != RangeMode.Skip);
}

/// <summary>How a range is described.</summary>
internal enum RangeMode : byte
{
    /// <summary>Nothing to do here (agreed, or already handled).</summary>
    Skip = 0,
    /// <summary>Count and fingerprint of the sender's items in the range.</summary>
    Fingerprint = 1,
    /// <summary>The sender's items in the range, every one (key, sequence).</summary>
    IdList = 2,
}

/// <summary>One range of a RECONCILE frame.</summary>
/// <param name="UpperBound">Exclusive upper bound: a key prefix of 1–32 bytes (compared as if zero-padded), or null for +∞.</param>
/// <param name="Mode">Skip, fingerprint or item list.</param>
/// <param name="Count">Items of the sender in the range (fingerprint mode).</param>
/// <param name="Fingerprint">16 bytes (fingerprint mode).</param>
/// <param name="Items">The sender's items in the range, keys ascending (item-list mode).</param>
internal sealed record SyncRange(byte[]? UpperBound, RangeMode Mode, int Count = 0, byte[]? Fingerprint = null, IReadOnlyList<SyncItem>? Items = null);

/// <summary>A record as reconciliation sees it.</summary>
/// <param name="Key">SHA-256 of the record's PeerId multihash.</param>
/// <param name="Sequence">The record's sequence.</param>
internal readonly record struct SyncItem(byte[] Key, long Sequence);
