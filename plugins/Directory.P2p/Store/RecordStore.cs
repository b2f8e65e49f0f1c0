using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;
using PluginMesh.Plugins.Directory.P2p.Records;

namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// The node directory: verified records by PeerId, node names bound by the API, gossip claims in
/// first-seen order, and what each name resolves to. Strongest source first: a name the API binds
/// (now or as cached) resolves to the bound PeerId, and a gossiped record that contradicts a binding
/// is rejected; among gossip claims of an unbound name the first valid one keeps it until its record
/// expires, later claimants are kept and surfaced as a <see cref="NodeNameConflict"/>. This agent's
/// own record always holds its own name here. Bounded: at most <see cref="StoreOptions.MaxRecords"/>
/// records, unbound ones evicted first, per-peer admission rates (see <see cref="Admission"/>).
/// </summary>
/// <remarks>Thread-safe; reads never touch the network or the cache.</remarks>
internal sealed partial class RecordStore : INodeDirectory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredRecord> _byPeer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _claims = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _chosen = new(StringComparer.Ordinal);
    private readonly Dictionary<RejectReason, long> _rejected = [];
    private readonly EvictionIndex _evictable = new();
    private readonly Admission _admission;
    private readonly ICacheCollection<CachedDirectoryRecord>? _cache;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly DirectoryMetrics _metrics;
    private readonly RejectionLog _rejectionLog;
    private readonly StoreOptions _options;
    private string? _localPeer;
    private string? _localName;
    private long _version;

    public RecordStore(IStateCache? cache, TimeProvider time, ILogger logger, Meter meter, StoreOptions options)
    {
        _cache = cache?.Collection<CachedDirectoryRecord>(CacheCollections.Directory);
        _bindingCache = cache?.Collection<CachedBinding>(BindingCollection);
        _time = time;
        _logger = logger;
        _options = options;
        _admission = new Admission(options.Admission);
        _metrics = new DirectoryMetrics(meter, () => { lock (_lock) return _byPeer.Count; }, BindingCounts);
        _rejectionLog = new RejectionLog(logger, time);
    }

    /// <inheritdoc />
    public event Action<NodeRecord>? Changed;

    /// <summary>Raised after a record was accepted, with its source; the sync service forwards it.</summary>
    public event Action<SignedNodeRecord, string>? Accepted;

    /// <summary>Consulted on every read: a retired node does not resolve (the tolerance window).</summary>
    public IRetirementView? Retirements { get; set; }

    /// <summary>Bumped by every change of the records held (for the sync snapshot).</summary>
    public long Version => Interlocked.Read(ref _version);

    public StoreOptions Options => _options;

    /// <summary>This agent's PeerId once its own record was stored, else null.</summary>
    public string? LocalPeer
    {
        get
        {
            lock (_lock) return _localPeer;
        }
    }

    internal DirectoryMetrics Metrics => _metrics;

    /// <inheritdoc />
    public IReadOnlyList<NodeRecord> Records
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_lock)
            {
                var list = new List<NodeRecord>(_byPeer.Count);
                foreach (var (name, binding) in _bindings)
                {
                    if (IsRetired(name)) continue;
                    var merged = MergedLocked(binding, now);
                    if (merged.Expires > now) list.Add(merged);
                }
                foreach (var r in _byPeer.Values)
                {
                    var record = r.Signed.Record;
                    if (r.IsExpired(now) || _bindings.ContainsKey(record.NodeName) || IsRetired(record.NodeName)) continue;
                    list.Add(r.Served);
                }
                list.Sort((a, b) => string.CompareOrdinal(a.NodeName, b.NodeName));
                return list;
            }
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
                return [.. _claims.Where(c => c.Value.Count > 1 && !_bindings.ContainsKey(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal)
                    .Select(c => new NodeNameConflict(c.Key, [.. c.Value.Select(PeerId.Parse)], PeerId.Parse(ChooseLocked(c.Key, now) ?? c.Value[0])))];
            }
        }
    }

    /// <summary>Rejections so far, by reason.</summary>
    public IReadOnlyDictionary<string, long> RejectedCounts
    {
        get { lock (_lock) return _rejected.ToDictionary(r => DirectoryMetrics.ReasonText(r.Key), r => r.Value, StringComparer.Ordinal); }
    }

    /// <summary>Records held, expired ones included.</summary>
    public int Count
    {
        get { lock (_lock) return _byPeer.Count; }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A name the API binds resolves to the bound PeerId, with what that agent's own record adds
    /// (relay circuits, offers, labels, freshness). Otherwise, past expiry the last known record is
    /// still returned when nothing fresher claims the name (config <c>serveExpired</c>), for at most
    /// <c>maxStaleSeconds</c>: the tunnel's handshake still proves the PeerId, so a stale record can
    /// cost a failed dial but never redirect traffic to another identity. A retired node resolves to null.
    /// </remarks>
    public NodeRecord? Resolve(string nodeName)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        if (IsRetired(nodeName)) return null;
        var now = _time.GetUtcNow();
        lock (_lock) return ResolveLocked(nodeName, now);
    }

    /// <inheritdoc />
    public NodeRecord? ResolvePeer(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        var now = _time.GetUtcNow();
        var peer = peerId.ToString();
        lock (_lock)
        {
            if (_boundPeers.TryGetValue(peer, out var bound)) return IsRetired(bound) ? null : ResolveLocked(bound, now);
            if (!_byPeer.TryGetValue(peer, out var r) || IsRetired(r.Signed.Record.NodeName)) return null;
            return Usable(r, now);
        }
    }

    /// <summary>The highest sequence held for <paramref name="peerId"/> (expired or not), or 0.</summary>
    public long LastSequence(string peerId)
    {
        lock (_lock) return _byPeer.TryGetValue(peerId, out var r) ? r.Signed.Record.Sequence : 0;
    }

    /// <summary>Every held record, for status, with whether its name resolves to it.</summary>
    public IReadOnlyList<(StoredRecord Record, bool Chosen, RecordSource Binding)> Snapshot()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _byPeer.Values.OrderBy(r => r.Signed.Record.NodeName, StringComparer.Ordinal).Select(r =>
            {
                var record = r.Signed.Record;
                var peer = record.PeerId.ToString();
                if (_bindings.TryGetValue(record.NodeName, out var b)) return (r, b.PeerId == record.PeerId, b.Source);
                return (r, ChooseLocked(record.NodeName, now) == peer, RecordSource.Gossip);
            })];
        }
    }

    /// <summary>The stored record of <paramref name="peerId"/>, expired or not, or null.</summary>
    public StoredRecord? Held(string peerId)
    {
        lock (_lock) return _byPeer.GetValueOrDefault(peerId);
    }

    /// <summary>Decodes and offers a record received from <paramref name="source"/>.</summary>
    public ValueTask<AcceptResult> AcceptWireAsync(ReadOnlyMemory<byte> wire, string source, CancellationToken cancellationToken)
    {
        // The sender's record budget is checked before decoding: a flood costs it its own budget, not our CPU.
        if (IsPeerSource(source) && !TakeRecordToken(source)) return ValueTask.FromResult(RateLimitedRecords(source));
        SignedNodeRecord signed;
        try
        {
            signed = RecordCodec.Decode(wire.Span);
        }
        catch (FormatException e)
        {
            return ValueTask.FromResult(Reject(RejectReason.Malformed, source, e.Message));
        }
        return AcceptAsync(signed, source, cancellationToken, local: false, recordTokenTaken: true);
    }

    /// <summary>
    /// Verifies and stores one record. Checks, in order: duplicate, the sender's admission rates (records;
    /// PeerIds not held and not bound — both before any signature work), key, PeerId ↔ key, signature,
    /// expiry, API bindings, sequence (strictly above the one held for that PeerId), the cap. Persists it when it is the record its name resolves to.
    /// </summary>
    public async ValueTask<AcceptResult> AcceptAsync(SignedNodeRecord signed, string source, CancellationToken cancellationToken, bool local = false, bool recordTokenTaken = false)
    {
        ArgumentNullException.ThrowIfNull(signed);
        var outcome = Offer(signed, source, local, fromCache: false, receivedAt: null, recordTokenTaken);
        await ForgetCachedAsync(outcome.Removed, cancellationToken).ConfigureAwait(false);
        if (outcome.Result.Status != AcceptStatus.Accepted) return outcome.Result;
        if (outcome.Chosen && _cache is not null)
        {
            try
            {
                // A peer that renamed its node no longer speaks for the old name after a restart either.
                if (outcome.Released is not null && _cache.Get(outcome.Released) is { } old && IsFrom(old, signed.Record.PeerId.ToString()))
                    await _cache.DeleteAsync(outcome.Released, cancellationToken).ConfigureAwait(false);
                await _cache.UpsertAsync(signed.Record.NodeName, new CachedDirectoryRecord(Convert.ToBase64String(RecordCodec.Encode(signed)), source, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The record stays served from memory; the next accepted version is written again.
                DirectoryLog.PersistFailed(_logger, signed.Record.NodeName, e.Message);
            }
        }
        Raise(outcome.Raised!, signed, source);
        return outcome.Result;
    }

    /// <summary>
    /// Loads what the cache holds: bindings first, then records. Records are verified again (a
    /// tampered file cannot inject a record) and checked against the bindings, but kept even when
    /// expired (for at most <c>maxStaleSeconds</c>): that is what lets a restart with nobody reachable resolve.
    /// </summary>
    public int LoadFromCache()
    {
        LoadBindingsFromCache();
        if (_cache is null) return 0;
        int loaded = 0, invalid = 0;
        var now = _time.GetUtcNow();
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
            var receivedAt = entry.ReceivedAt < now ? entry.ReceivedAt : now;
            var usable = signed.Record.Expires + _options.MaxStale > now;
            if (usable && Offer(signed, "cache", local: false, fromCache: true, receivedAt, recordTokenTaken: false).Result.Status == AcceptStatus.Accepted) loaded++;
            else invalid++;
        }
        DirectoryLog.Loaded(_logger, loaded, invalid);
        return loaded;
    }

    private NodeRecord? ResolveLocked(string nodeName, DateTimeOffset now)
    {
        // Our own record holds our own name here whatever else is said (we know who we are).
        if (nodeName == _localName && _localPeer is not null && _byPeer.TryGetValue(_localPeer, out var own)) return Tag(own.Served, _bindings.GetValueOrDefault(nodeName));
        if (_bindings.TryGetValue(nodeName, out var binding))
        {
            var merged = MergedLocked(binding, now);
            return merged.Expires > now || (_options.ServeExpired && merged.Expires + _options.MaxStale > now) ? merged : null;
        }
        var peer = ChooseLocked(nodeName, now);
        return peer is null ? null : Usable(_byPeer[peer], now);
    }

    private static NodeRecord Tag(NodeRecord record, NodeBinding? binding) =>
        binding is not null && binding.PeerId == record.PeerId ? record with { Source = binding.Source } : record;

    private NodeRecord? Usable(StoredRecord r, DateTimeOffset now)
    {
        if (!r.IsExpired(now)) return r.Served;
        return _options.ServeExpired && r.EffectiveExpires + _options.MaxStale > now ? r.Served : null;
    }

    private bool IsRetired(string nodeName) => nodeName != _localName && Retirements?.IsRetired(nodeName) == true;

    private static bool IsPeerSource(string source) => source.StartsWith("peer:", StringComparison.Ordinal);

    private bool TakeRecordToken(string source)
    {
        var now = _time.GetUtcNow();
        lock (_lock) return _admission.TakeRecord(source, now);
    }

    private AcceptResult RateLimitedRecords(string source) =>
        Reject(RejectReason.RateLimited, source, $"{source} sent records faster than {_options.Admission.RecordsPerSecond}/s");

    private OfferOutcome Offer(SignedNodeRecord signed, string source, bool local, bool fromCache, DateTimeOffset? receivedAt, bool recordTokenTaken)
    {
        var now = _time.GetUtcNow();
        var record = signed.Record;
        var peer = record.PeerId.ToString();
        var fromPeer = !local && !fromCache && source != "api";
        lock (_lock)
        {
            if (_byPeer.TryGetValue(peer, out var held) && held.Signed.Record.Sequence == record.Sequence && held.Signed.Body.AsSpan().SequenceEqual(signed.Body))
                return OfferOutcome.Of(new AcceptResult(AcceptStatus.Duplicate));
            // Before the signature is checked: a flood costs its sender its own budget, not our CPU.
            if (fromPeer && !recordTokenTaken && !_admission.TakeRecord(source, now)) return OfferOutcome.Of(RateLimitedRecords(source));
            var boundHere = _bindings.TryGetValue(record.NodeName, out var b) && b.PeerId == record.PeerId;
            if (fromPeer && held is null && !boundHere && !_admission.TakeNewPeer(source, now))
                return OfferOutcome.Of(Reject(RejectReason.RateLimited, source, $"{source} introduced new PeerIds faster than {_options.Admission.NewPeersPerSecond}/s"));
        }
        if (RecordVerifier.Verify(signed) is { } bad) return OfferOutcome.Of(Reject(bad, source, peer));
        if (fromPeer && record.Expires <= now) return OfferOutcome.Of(Reject(RejectReason.Expired, source, $"{record.NodeName} expired at {record.Expires:O}"));

        var removed = new List<(string Name, string Peer)>();
        string? released = null;
        string? holder = null;
        RejectReason? refused = null;
        string detail = "";
        bool chosen, conflict = false, capped;
        NodeRecord raised;
        lock (_lock)
        {
            var binding = _bindings.GetValueOrDefault(record.NodeName);
            var boundName = _boundPeers.GetValueOrDefault(peer);
            var bound = binding is not null && binding.PeerId == record.PeerId;
            if (!local && ((binding is not null && !bound) || (boundName is not null && boundName != record.NodeName)))
            {
                refused = RejectReason.BindingMismatch;
                detail = binding is not null && !bound
                    ? $"{record.NodeName} is bound to {binding.PeerId} by the API ({BindingText(binding.Source)}), not to {peer}"
                    : $"{peer} is bound to node {boundName} by the API, not {record.NodeName}";
            }
            else if (_byPeer.TryGetValue(peer, out var existing))
            {
                if (record.Sequence == existing.Signed.Record.Sequence && existing.Signed.Body.AsSpan().SequenceEqual(signed.Body))
                    return OfferOutcome.Of(new AcceptResult(AcceptStatus.Duplicate));
                if (record.Sequence <= existing.Signed.Record.Sequence)
                {
                    refused = RejectReason.StaleSequence;
                    detail = $"{record.NodeName} seq {record.Sequence} is not above the known one";
                }
                else
                {
                    if (!string.Equals(existing.Signed.Record.NodeName, record.NodeName, StringComparison.Ordinal))
                    {
                        ReleaseClaimLocked(existing.Signed.Record.NodeName, peer);
                        released = existing.Signed.Record.NodeName;
                    }
                    _evictable.Remove(peer, existing);
                }
            }
            else if (_byPeer.Count >= _options.MaxRecords)
            {
                // Bounded so that a flood of fresh identities cannot grow memory: stale and unbound go first.
                if (_evictable.Victim(now) is { } victim) removed.Add(RemoveLocked(victim.Peer, victim.Reason));
                else
                {
                    refused = RejectReason.StoreFull;
                    detail = $"already holding {_options.MaxRecords} records, none of them evictable";
                }
            }
            if (refused is null)
            {
                var arrived = receivedAt ?? now;
                var effective = local ? record.Expires : Min(record.Expires, _options.ExpiryCap(arrived));
                capped = effective < record.Expires;
                var stored = new StoredRecord(signed, source, arrived, effective);
                _byPeer[peer] = stored;
                _version++;
                if (local)
                {
                    _localPeer = peer;
                    _localName = record.NodeName;
                }
                else if (!bound) _evictable.Add(peer, stored);
                if (!_claims.TryGetValue(record.NodeName, out var claimants)) _claims[record.NodeName] = claimants = [];
                var newClaim = !claimants.Contains(peer, StringComparer.Ordinal);
                if (newClaim) claimants.Add(peer);
                var current = ChooseLocked(record.NodeName, now);
                if (!bound && newClaim && current is not null && !string.Equals(current, peer, StringComparison.Ordinal))
                {
                    conflict = true;
                    holder = current;
                }
                if (local || current is null) _chosen[record.NodeName] = peer;
                chosen = bound || string.Equals(ChooseLocked(record.NodeName, now), peer, StringComparison.Ordinal);
                raised = Tag(stored.Served, binding);
            }
            else
            {
                chosen = false;
                capped = false;
                raised = record;
            }
        }
        if (refused is { } reasonRefused) return new OfferOutcome(Reject(reasonRefused, source, detail), false, null, removed, null);
        if (capped && fromPeer) _metrics.ExpiryCapped();
        if (conflict)
        {
            _metrics.Conflict();
            if (local) DirectoryLog.ConflictWithSelf(_logger, record.NodeName, holder!);
            else DirectoryLog.Conflict(_logger, record.NodeName, peer, holder!);
        }
        _metrics.Accepted();
        return new OfferOutcome(new AcceptResult(AcceptStatus.Accepted, Conflict: conflict), chosen, released, removed, raised);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Drops one record (eviction, pruning, a binding that contradicts it). Caller holds the lock.</summary>
    private (string Name, string Peer) RemoveLocked(string peer, EvictionReason? reason)
    {
        var r = _byPeer[peer];
        _byPeer.Remove(peer);
        _evictable.Remove(peer, r);
        ReleaseClaimLocked(r.Signed.Record.NodeName, peer);
        _version++;
        if (reason is { } why) _metrics.Evicted(why);
        return (r.Signed.Record.NodeName, peer);
    }

    /// <summary>The PeerId <paramref name="nodeName"/> resolves to among gossip claims: the holder while its record is fresh, else the earliest fresh claimant, else the stale holder.</summary>
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

    /// <summary>Deletes cache entries of records that left the store, when the entry is theirs.</summary>
    private async ValueTask ForgetCachedAsync(IReadOnlyList<(string Name, string Peer)> removed, CancellationToken cancellationToken)
    {
        if (_cache is null || removed.Count == 0) return;
        foreach (var (name, peer) in removed)
        {
            try
            {
                if (_cache.Get(name) is { } cached && IsFrom(cached, peer)) await _cache.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                DirectoryLog.PersistFailed(_logger, name, e.Message);
            }
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

    private AcceptResult Reject(RejectReason reason, string source, string detail)
    {
        lock (_lock) _rejected[reason] = _rejected.GetValueOrDefault(reason) + 1;
        _metrics.Rejected(reason);
        _rejectionLog.Rejected(reason, source, detail);
        return AcceptResult.Reject(reason);
    }

    private void Raise(NodeRecord record, SignedNodeRecord signed, string source)
    {
        RaiseChanged(record);
        Accepted?.Invoke(signed, source);
    }

    private void RaiseChanged(NodeRecord record)
    {
        // Contract: handlers must not throw; one that does must not break acceptance for the others.
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try { ((Action<NodeRecord>)handler)(record); }
            catch (Exception e) when (e is not OutOfMemoryException) { DirectoryLog.ExchangeFailed(_logger, "Changed handler", e.Message); }
        }
    }

    private readonly record struct OfferOutcome(AcceptResult Result, bool Chosen, string? Released, IReadOnlyList<(string Name, string Peer)> Removed, NodeRecord? Raised)
    {
        public static OfferOutcome Of(AcceptResult result) => new(result, false, null, [], null);
    }
}

/// <summary>What the store asks the tolerance window on every read. Implementations must not block or call back into the store.</summary>
internal interface IRetirementView
{
    bool IsRetired(string nodeName);
}
