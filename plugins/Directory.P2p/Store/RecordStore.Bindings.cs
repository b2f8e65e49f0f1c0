using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;
using PluginMesh.Plugins.Directory.P2p.Records;

namespace PluginMesh.Plugins.Directory.P2p.Store;

// Bindings: node name → PeerId as the Kubernetes API says (now: Api; as last seen: CachedApi).
internal sealed partial class RecordStore
{
    /// <summary>Cache collection of the bindings last confirmed by the API.</summary>
    public const string BindingCollection = "directory_bindings";

    private readonly ICacheCollection<CachedBinding>? _bindingCache;
    private Dictionary<string, NodeBinding> _bindings = new(StringComparer.Ordinal);
    private Dictionary<string, string> _boundPeers = new(StringComparer.Ordinal);
    private DateTimeOffset _bindingsPersistedAt = DateTimeOffset.MinValue;

    /// <summary>Every binding, by node name.</summary>
    public IReadOnlyList<NodeBinding> Bindings
    {
        get { lock (_lock) return [.. _bindings.Values.OrderBy(b => b.NodeName, StringComparer.Ordinal)]; }
    }

    /// <summary>The binding of <paramref name="nodeName"/>, or null.</summary>
    public NodeBinding? BindingOf(string nodeName)
    {
        lock (_lock) return _bindings.GetValueOrDefault(nodeName);
    }

    /// <summary>
    /// Replaces every binding with <paramref name="next"/> (the API's whole view: a name it no longer
    /// binds loses its binding). Records that contradict a new binding — its name claimed by another
    /// PeerId, or its PeerId under another name — are dropped and counted as <c>binding_mismatch</c>.
    /// When <paramref name="persist"/> (the view came from the API now) and it changed, or the cached
    /// confirmation is older than half the TTL, the cache is rewritten.
    /// </summary>
    public async ValueTask ApplyBindingsAsync(IReadOnlyCollection<NodeBinding> next, bool persist, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var now = _time.GetUtcNow();
        var removed = new List<(string Name, string Peer, string Detail)>();
        var changed = new List<NodeRecord>();
        bool material;
        lock (_lock)
        {
            var map = new Dictionary<string, NodeBinding>(next.Count, StringComparer.Ordinal);
            var peers = new Dictionary<string, string>(next.Count, StringComparer.Ordinal);
            foreach (var b in next.OrderBy(b => b.NodeName, StringComparer.Ordinal))
            {
                // One agent cannot serve two nodes: a PeerId the API names twice binds the first name only.
                if (!peers.TryAdd(b.PeerId.ToString(), b.NodeName))
                {
                    DirectoryLog.DuplicateBinding(_logger, b.PeerId.ToString(), peers[b.PeerId.ToString()], b.NodeName);
                    continue;
                }
                map[b.NodeName] = b;
            }
            var old = _bindings;
            material = map.Count != old.Count || map.Values.Any(b => !old.TryGetValue(b.NodeName, out var o) || !o.SameAs(b));
            _bindings = map;
            _boundPeers = peers;
            if (material)
            {
                foreach (var (peer, r) in _byPeer.ToList())
                {
                    if (peer == _localPeer) continue;
                    var name = r.Signed.Record.NodeName;
                    var binding = map.GetValueOrDefault(name);
                    var boundName = peers.GetValueOrDefault(peer);
                    if ((binding is not null && binding.PeerId.ToString() != peer) || (boundName is not null && boundName != name))
                    {
                        var (n, p) = RemoveLocked(peer, reason: null);
                        removed.Add((n, p, binding is not null && binding.PeerId.ToString() != peer
                            ? $"{name} is now bound to {binding.PeerId} by the API; dropped the record of {peer}"
                            : $"{peer} is now bound to node {boundName} by the API; dropped its record for {name}"));
                        continue;
                    }
                    var wasBound = old.TryGetValue(name, out var before) && before.PeerId.ToString() == peer;
                    var isBound = binding is not null;
                    if (wasBound && !isBound) _evictable.Add(peer, r);
                    else if (!wasBound && isBound) _evictable.Remove(peer, r);
                }
                foreach (var name in old.Keys.Union(map.Keys).Where(n => !old.TryGetValue(n, out var o) || !map.TryGetValue(n, out var b) || !o.SameAs(b)))
                {
                    if (ResolveLocked(name, now) is { } record) changed.Add(record);
                }
                _version++;
            }
        }
        foreach (var (name, peer, detail) in removed) Reject(RejectReason.BindingMismatch, "api", detail);
        await ForgetCachedAsync([.. removed.Select(r => (r.Name, r.Peer))], cancellationToken).ConfigureAwait(false);
        if (persist && _bindingCache is not null && (material || now - _bindingsPersistedAt >= _options.RecordTtl / 2))
        {
            try
            {
                await _bindingCache.ReplaceAllAsync(next.Select(b => new KeyValuePair<string, CachedBinding>(b.NodeName,
                    new CachedBinding(b.PeerId.ToString(), [.. b.Addresses.Select(a => a.ToString())], b.OffersRelay, b.ConfirmedAt))), cancellationToken).ConfigureAwait(false);
                _bindingsPersistedAt = now;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                DirectoryLog.PersistFailed(_logger, BindingCollection, e.Message);
            }
        }
        foreach (var record in changed) RaiseChanged(record);
    }

    /// <summary>The bindings the API confirmed last, as <see cref="RecordSource.CachedApi"/>; unreadable entries are dropped.</summary>
    public IReadOnlyList<NodeBinding> CachedBindings()
    {
        if (_bindingCache is null) return [];
        var list = new List<NodeBinding>();
        foreach (var (name, entry) in _bindingCache.GetAll())
        {
            if (!PeerId.TryParse(entry.PeerId, out var peer)) continue;
            var addresses = entry.Addresses.Select(a => Multiaddr.TryParse(a, out var m) ? m : null).OfType<Multiaddr>().ToList();
            list.Add(new NodeBinding(name, peer!, addresses, entry.OffersRelay, RecordSource.CachedApi, entry.ConfirmedAt));
        }
        return list;
    }

    private void LoadBindingsFromCache()
    {
        var cached = CachedBindings();
        if (cached.Count == 0) return;
        lock (_lock)
        {
            foreach (var b in cached)
            {
                if (_boundPeers.TryAdd(b.PeerId.ToString(), b.NodeName)) _bindings[b.NodeName] = b;
            }
            _version++;
        }
    }

    /// <summary>The record a bound name resolves to: the binding, plus what the bound agent's own record adds. Caller holds the lock.</summary>
    private NodeRecord MergedLocked(NodeBinding binding, DateTimeOffset now)
    {
        var bindingExpires = (binding.Source == RecordSource.Api ? now : binding.ConfirmedAt) + _options.RecordTtl;
        var direct = binding.Addresses.Where(a => !a.IsRelayed).ToList();
        var relay = binding.Addresses.Where(a => a.IsRelayed).ToList();
        var held = _byPeer.TryGetValue(binding.PeerId.ToString(), out var r) && r.Signed.Record.NodeName == binding.NodeName ? r : null;
        if (held is null || Usable(held, now) is not { } own)
        {
            return new NodeRecord(binding.NodeName, binding.PeerId, direct, relay, binding.OffersRelay ? ["relay"] : [], 0, bindingExpires,
                new Dictionary<string, string>()) { Source = binding.Source };
        }
        // The agent's own signed record is fresher than its annotation: its addresses come first.
        return own with
        {
            DirectAddresses = [.. own.DirectAddresses.Union(direct)],
            RelayAddresses = [.. own.RelayAddresses.Union(relay)],
            Capabilities = binding.OffersRelay && !own.Capabilities.Contains("relay", StringComparer.Ordinal) ? [.. own.Capabilities, "relay"] : own.Capabilities,
            Expires = own.Expires > bindingExpires ? own.Expires : bindingExpires,
            Source = binding.Source,
        };
    }

    private (long Api, long CachedApi) BindingCounts()
    {
        lock (_lock) return (_bindings.Values.Count(b => b.Source == RecordSource.Api), _bindings.Values.Count(b => b.Source == RecordSource.CachedApi));
    }

    private static string BindingText(RecordSource source) => source == RecordSource.Api ? "api" : "cached api";
}
