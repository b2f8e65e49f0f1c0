namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// The records the store may evict (neither this agent's own nor bound by the API), ordered two ways:
/// by effective expiry (expired ones go first) and by last refresh (then the least recently refreshed).
/// Not thread-safe: the store calls it under its lock.
/// </summary>
internal sealed class EvictionIndex
{
    private readonly SortedSet<(long Ticks, string Peer)> _byExpiry = [];
    private readonly SortedSet<(long Ticks, string Peer)> _byRefresh = [];

    public int Count => _byExpiry.Count;

    public void Add(string peer, StoredRecord record)
    {
        _byExpiry.Add((record.EffectiveExpires.UtcTicks, peer));
        _byRefresh.Add((record.ReceivedAt.UtcTicks, peer));
    }

    public void Remove(string peer, StoredRecord record)
    {
        _byExpiry.Remove((record.EffectiveExpires.UtcTicks, peer));
        _byRefresh.Remove((record.ReceivedAt.UtcTicks, peer));
    }

    /// <summary>Who goes first at the cap, and why; null when nothing may be evicted.</summary>
    public (string Peer, EvictionReason Reason)? Victim(DateTimeOffset now)
    {
        if (_byExpiry.Count == 0) return null;
        var soonest = _byExpiry.Min;
        if (soonest.Ticks <= now.UtcTicks) return (soonest.Peer, EvictionReason.Expired);
        return (_byRefresh.Min.Peer, EvictionReason.LeastRecent);
    }

    /// <summary>Records expired at or before <paramref name="before"/>, soonest first.</summary>
    public IEnumerable<string> ExpiredBefore(DateTimeOffset before) =>
        _byExpiry.TakeWhile(e => e.Ticks <= before.UtcTicks).Select(e => e.Peer);
}

/// <summary>Why a record left the store without being replaced; the <c>reason</c> tag of <c>pluginmesh.directory.evicted</c>.</summary>
internal enum EvictionReason
{
    /// <summary>At the cap: it had expired.</summary>
    Expired,
    /// <summary>At the cap: nothing had expired, it was the least recently refreshed.</summary>
    LeastRecent,
    /// <summary>Expired for longer than <c>maxStaleSeconds</c>.</summary>
    Pruned,
}
