using PluginMesh.Abstractions.Cache;

namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// The node directory: verified records by PeerId, node-name claims in first-seen order, and the
/// claim each name resolves to. Conflict rule: the first valid claim holder keeps a name until its
/// record expires; later claimants are kept and surfaced as a <see cref="NodeNameConflict"/>, never
/// silently swapped in. This node's own record always holds its own name.
/// </summary>
/// <remarks>Thread-safe; reads never touch the network or the cache.</remarks>
internal sealed class RecordStore : INodeDirectory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredRecord> _byPeer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _claims = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _chosen = new(StringComparer.Ordinal);
    private readonly Dictionary<RejectReason, long> _rejected = [];
    private readonly ICacheCollection<CachedDirectoryRecord>? _cache;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DirectoryMetrics _metrics;
    private readonly RejectionLog _rejectionLog;
    private readonly bool _serveExpired;

    public RecordStore(IStateCache? cache, TimeProvider time, ILogger logger, Meter meter, bool serveExpired)
    {
        _cache = cache?.Collection<CachedDirectoryRecord>(CacheCollections.Directory);
        _time = time;
        _logger = logger;
        _serveExpired = serveExpired;
        _metrics = new DirectoryMetrics(meter, () => { lock (_lock) return _byPeer.Count; });
        _rejectionLog = new RejectionLog(logger, time);
    }

    /// <inheritdoc />
    public event Action<NodeRecord>? Changed;

    /// <summary>Raised after a record was accepted, with its source; the sync service forwards it.</summary>
    public event Action<SignedNodeRecord, string>? Accepted;

    /// <inheritdoc />
    public IReadOnlyList<NodeRecord> Records
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_lock) return [.. _byPeer.Values.Where(r => !r.IsExpired(now)).Select(r => r.Signed.Record).OrderBy(r => r.NodeName, StringComparer.Ordinal)];
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<NodeNameConflict> Conflicts
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_lock)
            {
                return [.. _claims.Where(c => c.Value.Count > 1).OrderBy(c => c.Key, StringComparer.Ordinal)
                    .Select(c => new NodeNameConflict(c.Key, [.. c.Value.Select(PeerId.Parse)], PeerId.Parse(ChooseLocked(c.Key, now) ?? c.Value[0])))];
            }
        }
    }

    /// <summary>Rejections so far, by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedCounts
    {
        get { lock (_lock) return _rejected.ToDictionary(r => DirectoryMetrics.ReasonText(r.Key), r => r.Value, StringComparer.Ordinal); }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Past expiry the last known record is still returned when nothing fresher claims the name
    /// (config <c>serveExpired</c>, default on): with the cloud and peers gone it is the best
    /// knowledge there is, and the tunnel's handshake still proves the PeerId, so a stale record can
    /// cost a failed dial but never redirect traffic to another identity.
    /// </remarks>
    public NodeRecord? Resolve(string nodeName)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var peer = ChooseLocked(nodeName, now);
            return peer is null ? null : Usable(_byPeer[peer], now);
        }
    }

    /// <inheritdoc />
    public NodeRecord? ResolvePeer(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        var now = _time.GetUtcNow();
        lock (_lock) return _byPeer.TryGetValue(peerId.ToString(), out var r) ? Usable(r, now) : null;
    }

    /// <summary>The highest sequence held for <paramref name="peerId"/> (expired or not), or 0.</summary>
    public long LastSequence(string peerId)
    {
        lock (_lock) return _byPeer.TryGetValue(peerId, out var r) ? r.Signed.Record.Sequence : 0;
    }

    /// <summary>Every held record, for status.</summary>
    public IReadOnlyList<(StoredRecord Record, bool Chosen)> Snapshot()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _byPeer.Values.OrderBy(r => r.Signed.Record.NodeName, StringComparer.Ordinal)
                .Select(r => (r, ChooseLocked(r.Signed.Record.NodeName, now) == r.Signed.Record.PeerId.ToString()))];
        }
    }

    /// <summary>What we hold, for anti-entropy.</summary>
    public IReadOnlyList<DigestEntry> Digest()
    {
        lock (_lock) return [.. _byPeer.Values.Select(r => new DigestEntry(r.Signed.Record.PeerId.ToString(), r.Signed.Record.NodeName, r.Signed.Record.Sequence))];
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

    /// <summary>Decodes and offers a record received from <paramref name="source"/>.</summary>
    public ValueTask<AcceptResult> AcceptWireAsync(ReadOnlyMemory<byte> wire, string source, CancellationToken cancellationToken)
    {
        SignedNodeRecord signed;
        try
        {
            signed = RecordCodec.Decode(wire.Span);
        }
        catch (FormatException e)
        {
            return ValueTask.FromResult(Reject(RejectReason.Malformed, source, e.Message));
        }
        return AcceptAsync(signed, source, cancellationToken);
    }

    /// <summary>
    /// Verifies and stores one record. Checks, in order: key, PeerId ↔ key, signature, expiry, sequence
    /// (strictly above the one held for that PeerId). Persists it when it is the record its name resolves to.
    /// </summary>
    public async ValueTask<AcceptResult> AcceptAsync(SignedNodeRecord signed, string source, CancellationToken cancellationToken, bool local = false)
    {
        ArgumentNullException.ThrowIfNull(signed);
        var result = Offer(signed, source, local, fromCache: false, out var chosen, out var released);
        if (result.Status != AcceptStatus.Accepted) return result;
        if (chosen && _cache is not null)
        {
            try
            {
                // A peer that renamed its node no longer speaks for the old name after a restart either.
                if (released is not null && _cache.Get(released) is { } old && IsFrom(old, signed.Record.PeerId.ToString()))
                    await _cache.DeleteAsync(released, cancellationToken).ConfigureAwait(false);
                await _cache.UpsertAsync(signed.Record.NodeName, new CachedDirectoryRecord(Convert.ToBase64String(RecordCodec.Encode(signed)), source, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The record stays served from memory; the next accepted version is written again.
                DirectoryLog.PersistFailed(_logger, signed.Record.NodeName, e.Message);
            }
        }
        Raise(signed, source);
        return result;
    }

    /// <summary>
    /// Loads what the cache holds. Records are verified again (a tampered file cannot inject a
    /// record) but kept even when expired: that is what lets a restart with nobody reachable resolve.
    /// </summary>
    public int LoadFromCache()
    {
        if (_cache is null) return 0;
        int loaded = 0, invalid = 0;
        foreach (var (_, entry) in _cache.GetAll())
        {
            SignedNodeRecord signed;
            try
            {
                signed = RecordCodec.Decode(Convert.FromBase64String(entry.Record));
            }
            catch (FormatException)
            {
                invalid++;
                continue;
            }
            if (Offer(signed, "cache", local: false, fromCache: true, out _, out _).Status == AcceptStatus.Accepted) loaded++;
            else invalid++;
        }
        DirectoryLog.Loaded(_logger, loaded, invalid);
        return loaded;
    }

    private AcceptResult Offer(SignedNodeRecord signed, string source, bool local, bool fromCache, out bool chosen, out string? released)
    {
        chosen = false;
        released = null;
        if (RecordVerifier.Verify(signed) is { } bad) return Reject(bad, source, signed.Record.PeerId.ToString());
        var now = _time.GetUtcNow();
        var record = signed.Record;
        if (!fromCache && !local && record.Expires <= now) return Reject(RejectReason.Expired, source, $"{record.NodeName} expired at {record.Expires:O}");
        string? holder = null;
        var conflict = false;
        var stale = false;
        var full = false;
        lock (_lock)
        {
            if (!_byPeer.ContainsKey(record.PeerId.ToString()) && _byPeer.Count >= DirectoryProtocol.MaxDigestEntries) full = true;
            else if (_byPeer.TryGetValue(record.PeerId.ToString(), out var existing))
            {
                var known = existing.Signed.Record.Sequence;
                if (record.Sequence == known && existing.Signed.Body.AsSpan().SequenceEqual(signed.Body)) return new AcceptResult(AcceptStatus.Duplicate);
                if (record.Sequence <= known) stale = true;
                else if (!string.Equals(existing.Signed.Record.NodeName, record.NodeName, StringComparison.Ordinal))
                {
                    ReleaseClaimLocked(existing.Signed.Record.NodeName, record.PeerId.ToString());
                    released = existing.Signed.Record.NodeName;
                }
            }
            if (!stale && !full)
            {
                _byPeer[record.PeerId.ToString()] = new StoredRecord(signed, source, now);
                if (!_claims.TryGetValue(record.NodeName, out var claimants)) _claims[record.NodeName] = claimants = [];
                var newClaim = !claimants.Contains(record.PeerId.ToString(), StringComparer.Ordinal);
                if (newClaim) claimants.Add(record.PeerId.ToString());
                var current = ChooseLocked(record.NodeName, now);
                if (newClaim && current is not null && !string.Equals(current, record.PeerId.ToString(), StringComparison.Ordinal))
                {
                    conflict = true;
                    holder = current;
                }
                if (local || current is null) _chosen[record.NodeName] = record.PeerId.ToString();
                chosen = string.Equals(ChooseLocked(record.NodeName, now), record.PeerId.ToString(), StringComparison.Ordinal);
            }
        }
        // Bounded so that a flood of fresh identities cannot grow memory, and every digest stays valid.
        if (full) return Reject(RejectReason.StoreFull, source, $"already holding {DirectoryProtocol.MaxDigestEntries} records");
        if (stale) return Reject(RejectReason.StaleSequence, source, $"{record.NodeName} seq {record.Sequence} is not above the known one");
        if (conflict)
        {
            _metrics.Conflict();
            if (local) DirectoryLog.ConflictWithSelf(_logger, record.NodeName, holder!);
            else DirectoryLog.Conflict(_logger, record.NodeName, record.PeerId.ToString(), holder!);
        }
        _metrics.Accepted();
        return new AcceptResult(AcceptStatus.Accepted, Conflict: conflict);
    }

    /// <summary>The PeerId <paramref name="nodeName"/> resolves to: the holder while its record is fresh, else the earliest fresh claimant, else the stale holder.</summary>
    private string? ChooseLocked(string nodeName, DateTimeOffset now)
    {
        if (!_claims.TryGetValue(nodeName, out var claimants) || claimants.Count == 0) return null;
        if (_chosen.TryGetValue(nodeName, out var holder) && _byPeer.TryGetValue(holder, out var held) && !held.IsExpired(now)) return holder;
        foreach (var peer in claimants)
        {
            if (_byPeer.TryGetValue(peer, out var r) && !r.IsExpired(now))
            {
                _chosen[nodeName] = peer;
                return peer;
            }
        }
        if (holder is not null && _byPeer.ContainsKey(holder)) return holder;
        _chosen[nodeName] = claimants[0];
        return claimants[0];
    }

    private void ReleaseClaimLocked(string nodeName, string peerId)
    {
        if (!_claims.TryGetValue(nodeName, out var claimants)) return;
        claimants.Remove(peerId);
        if (claimants.Count == 0)
        {
            _claims.Remove(nodeName);
            _chosen.Remove(nodeName);
        }
        else if (_chosen.TryGetValue(nodeName, out var holder) && holder == peerId)
        {
            _chosen[nodeName] = claimants[0];
        }
    }

    private static bool IsFrom(CachedDirectoryRecord cached, string peerId)
    {
        try
        {
            return RecordCodec.Decode(Convert.FromBase64String(cached.Record)).Record.PeerId.ToString() == peerId;
        }
        catch (FormatException)
        {
            return true; // unreadable: nothing worth keeping under that name
        }
    }

    private NodeRecord? Usable(StoredRecord r, DateTimeOffset now) => _serveExpired || !r.IsExpired(now) ? r.Signed.Record : null;

    private AcceptResult Reject(RejectReason reason, string source, string detail)
    {
        lock (_lock) _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        _metrics.Rejected(reason);
        _rejectionLog.Rejected(reason, source, detail);
        return AcceptResult.Reject(reason);
    }

    private void Raise(SignedNodeRecord signed, string source)
    {
        // Contract: handlers must not throw; one that does must not break acceptance for the others.
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try { ((Action<NodeRecord>)handler)(signed.Record); }
            catch (Exception e) when (e is not OutOfMemoryException) { DirectoryLog.ExchangeFailed(_logger, "Changed handler", e.Message); }
        }
        Accepted?.Invoke(signed, source);
    }
}
