using PluginMesh.Plugins.Directory.P2p.Protocol;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Range-based set reconciliation over a <see cref="SyncSnapshot"/> (after Meyer's "Range-Based Set
/// Reconciliation" and Negentropy): compare fingerprints of key ranges, split the ranges that differ
/// into <see cref="DirectoryProtocol.Branching"/> parts, list small ones item by item, and from the
/// lists work out which records each side lacks or holds older. Two agreeing peers exchange one
/// fingerprint each way; each differing record costs about log16(N/32) levels of 16 fingerprints.
/// Pure: the caller moves the messages and the records.
/// </summary>
internal static class Reconciler
{
    /// <summary>The initiator's first message: one fingerprint over everything (or the list, when small).</summary>
    public static ReconcileMessage Open(SyncSnapshot mine)
    {
        ArgumentNullException.ThrowIfNull(mine);
        var range = mine.Count is > 0 and <= DirectoryProtocol.LeafSize
            ? new SyncRange(null, RangeMode.IdList, Items: [.. Enumerable.Range(0, mine.Count).Select(mine.ItemAt)])
            : new SyncRange(null, RangeMode.Fingerprint, mine.Count, mine.Fingerprint(0, mine.Count));
        return new ReconcileMessage([range], []);
    }

    /// <summary>
    /// Answers <paramref name="incoming"/>: the reply (null when it asked nothing), the indices of our
    /// items whose records the other side lacks or holds older, and the keys we lack or hold older.
    /// Serving <see cref="ReconcileMessage.Needs"/> is the caller's (see <see cref="SyncSnapshot.Find"/>).
    /// </summary>
    public static Answer Respond(SyncSnapshot mine, ReconcileMessage incoming)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(incoming);
        var output = new List<SyncRange>();
        var send = new List<int>();
        var needs = new List<byte[]>();
        var listedBudget = DirectoryProtocol.MaxListedItems;
        byte[] lower = [];
        for (var i = 0; i < incoming.Ranges.Count; i++)
        {
            var range = incoming.Ranges[i];
            var upper = range.UpperBound;
            int from = mine.IndexOf(lower), to = mine.IndexOf(upper);
            var count = to - from;
            switch (range.Mode)
            {
                case RangeMode.Skip:
                    Skip(output, upper);
                    break;
                case RangeMode.Fingerprint:
                    if (count == range.Count && mine.Fingerprint(from, to).AsSpan().SequenceEqual(range.Fingerprint))
                    {
                        Skip(output, upper);
                    }
                    else if (range.Count == 0)
                    {
                        // They hold nothing here: everything of ours goes, nothing to ask.
                        for (var k = from; k < to; k++) send.Add(k);
                        Skip(output, upper);
                    }
                    else if (count <= DirectoryProtocol.LeafSize && count <= listedBudget)
                    {
                        listedBudget -= count;
                        output.Add(new SyncRange(upper, RangeMode.IdList, Items: [.. Enumerable.Range(from, count).Select(mine.ItemAt)]));
                    }
                    else if (output.Count + DirectoryProtocol.Branching + (incoming.Ranges.Count - i - 1) <= DirectoryProtocol.MaxRanges && count > DirectoryProtocol.LeafSize)
                    {
                        Split(mine, from, to, upper, output);
                    }
                    else
                    {
                        // Out of room in this reply: our fingerprint back, the other side splits it.
                        output.Add(new SyncRange(upper, RangeMode.Fingerprint, count, mine.Fingerprint(from, to)));
                    }
                    break;
                default:
                    Compare(mine, from, to, range.Items!, send, needs);
                    Skip(output, upper);
                    break;
            }
            lower = upper ?? [];
        }
        if (needs.Count > DirectoryProtocol.MaxNeeds) needs.RemoveRange(DirectoryProtocol.MaxNeeds, needs.Count - DirectoryProtocol.MaxNeeds);
        return new Answer(incoming.Asks ? new ReconcileMessage(output, needs) : null, send, needs);
    }

    /// <summary>Their full list of a range against ours: what each side lacks or holds older.</summary>
    private static void Compare(SyncSnapshot mine, int from, int to, IReadOnlyList<SyncItem> theirs, List<int> send, List<byte[]> needs)
    {
        int m = from, t = 0;
        while (m < to || t < theirs.Count)
        {
            var order = m == to ? 1 : t == theirs.Count ? -1 : mine.KeyAt(m).AsSpan().SequenceCompareTo(theirs[t].Key);
            if (order < 0) send.Add(m++);
            else if (order > 0) needs.Add(theirs[t++].Key);
            else
            {
                if (mine.SequenceAt(m) > theirs[t].Sequence) send.Add(m);
                else if (mine.SequenceAt(m) < theirs[t].Sequence) needs.Add(theirs[t].Key);
                m++;
                t++;
            }
        }
    }

    /// <summary>Our items of a differing range in equal-count parts, a fingerprint each; bounds are the shortest separating prefixes.</summary>
    private static void Split(SyncSnapshot mine, int from, int to, byte[]? upper, List<SyncRange> output)
    {
        var count = to - from;
        var start = from;
        for (var p = 1; p <= DirectoryProtocol.Branching; p++)
        {
            var end = p == DirectoryProtocol.Branching ? to : from + (int)((long)p * count / DirectoryProtocol.Branching);
            if (end == start) continue;
            var bound = p == DirectoryProtocol.Branching ? upper : SyncKeys.Between(mine.KeyAt(end - 1), mine.KeyAt(end));
            output.Add(new SyncRange(bound, RangeMode.Fingerprint, end - start, mine.Fingerprint(start, end)));
            start = end;
        }
    }

    /// <summary>Adds a skipped range, merged into a skipped range just before it.</summary>
    private static void Skip(List<SyncRange> output, byte[]? upper)
    {
        if (output.Count > 0 && output[^1].Mode == RangeMode.Skip) output[^1] = output[^1] with { UpperBound = upper };
        else output.Add(new SyncRange(upper, RangeMode.Skip));
    }

    /// <summary>What to do after one incoming RECONCILE.</summary>
    /// <param name="Reply">The RECONCILE to send back, or null when the incoming one asked nothing.</param>
    /// <param name="Send">Indices of our items whose records go to the other side.</param>
    /// <param name="Needs">Keys we lack or hold older (also in <see cref="Reply"/>).</param>
    public sealed record Answer(ReconcileMessage? Reply, IReadOnlyList<int> Send, IReadOnlyList<byte[]> Needs);
}
