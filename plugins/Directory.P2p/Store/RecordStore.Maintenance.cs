using PluginMesh.Plugins.Directory.P2p.Protocol;
using PluginMesh.Plugins.Directory.P2p.Records;

namespace PluginMesh.Plugins.Directory.P2p.Store;

// Pruning, and what the sync protocols read.
internal sealed partial class RecordStore
{
    /// <summary>
    /// Drops records expired for longer than <c>maxStaleSeconds</c> (never this agent's own), from
    /// memory and from the cache. Returns how many went.
    /// </summary>
    public async ValueTask<int> PruneAsync(CancellationToken cancellationToken)
    {
        var limit = _time.GetUtcNow() - _options.MaxStale;
        var removed = new List<(string Name, string Peer)>();
        lock (_lock)
        {
            // Bound records are not in the eviction index; they are pruned by the same rule.
            var candidates = _evictable.ExpiredBefore(limit).Concat(_boundPeers.Keys.Where(p => _byPeer.TryGetValue(p, out var r) && r.EffectiveExpires <= limit)).ToList();
            foreach (var peer in candidates)
            {
                if (peer != _localPeer && _byPeer.ContainsKey(peer)) removed.Add(RemoveLocked(peer, EvictionReason.Pruned));
            }
        }
        await ForgetCachedAsync(removed, cancellationToken).ConfigureAwait(false);
        return removed.Count;
    }

    /// <summary>What we hold, for a version-1 peer's anti-entropy: unexpired records, at most one DIGEST's worth.</summary>
    public IReadOnlyList<DigestEntry> Digest()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _byPeer.Values.Where(r => !r.IsExpired(now)).Take(DirectoryProtocol.MaxDigestEntries)
                .Select(r => new DigestEntry(r.Signed.Record.PeerId.ToString(), r.Signed.Record.NodeName, r.Signed.Record.Sequence))];
        }
    }

    /// <summary>Unexpired records the holder of <paramref name="theirs"/> lacks or holds at a lower sequence.</summary>
    public IReadOnlyList<SignedNodeRecord> NewerThan(IReadOnlyList<DigestEntry> theirs)
    {
        ArgumentNullException.ThrowIfNull(theirs);
        var known = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in theirs) known[e.PeerId] = Math.Max(e.Sequence, known.GetValueOrDefault(e.PeerId, long.MinValue));
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _byPeer.Values
                .Where(r => !r.IsExpired(now) && (!known.TryGetValue(r.Signed.Record.PeerId.ToString(), out var seq) || seq < r.Signed.Record.Sequence))
                .Select(r => r.Signed)];
        }
    }

    private Sync.SyncSnapshot? _syncSnapshot;

    /// <summary>
    /// The reconciliation snapshot: rebuilt when the records changed (<see cref="Version"/>) or one of
    /// them expired since, otherwise shared, so a converged round costs no sort and no hashing.
    /// </summary>
    public Sync.SyncSnapshot SyncSnapshot()
    {
        var now = _time.GetUtcNow();
        var version = Version;
        var current = Volatile.Read(ref _syncSnapshot);
        if (current is not null && current.Version == version && now < current.ValidUntil) return current;
        var records = Unexpired(out var soonest);
        var fresh = new Sync.SyncSnapshot(records, version, soonest);
        Volatile.Write(ref _syncSnapshot, fresh);
        return fresh;
    }

    /// <summary>Unexpired records held, with their sync keys (for the reconciliation snapshot).</summary>
    public IReadOnlyList<StoredRecord> Unexpired(out DateTimeOffset soonestExpiry)
    {
        var now = _time.GetUtcNow();
        soonestExpiry = DateTimeOffset.MaxValue;
        lock (_lock)
        {
            var list = new List<StoredRecord>(_byPeer.Count);
            foreach (var r in _byPeer.Values)
            {
                if (r.IsExpired(now)) continue;
                list.Add(r);
                if (r.EffectiveExpires < soonestExpiry) soonestExpiry = r.EffectiveExpires;
            }
            return list;
        }
    }

    /// <summary>The signed records of <paramref name="peers"/> still held and unexpired (others are skipped).</summary>
    public IReadOnlyList<SignedNodeRecord> SignedOf(IEnumerable<string> peers)
    {
        var now = _time.GetUtcNow();
        lock (_lock) return [.. peers.Select(p => _byPeer.GetValueOrDefault(p)).OfType<StoredRecord>().Where(r => !r.IsExpired(now)).Select(r => r.Signed)];
    }
}
