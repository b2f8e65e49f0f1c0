using System.Collections.Concurrent;
using System.Globalization;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Api;

namespace PluginMesh.Plugins.Directory.P2p.Liveness;

/// <summary>
/// The tolerance window (README "Tolerance window"). While the Kubernetes API is unreachable, every
/// node whose record this agent holds (not itself) is judged on when its agent was last heard: a
/// record refresh (a new sequence accepted), a live connection, an mDNS announcement, or a probe. The
/// node's silence goes to <see cref="INodeRetirePolicy"/> (<c>shouldRetire</c>, policies/retire.js);
/// when it says retire, the agent is probed once more (a libp2p stream to it, when a tunnel is
/// present), and only a failed probe retires it: its record stops resolving and the proxy skips its
/// endpoints. Heard again → lifted at once. The API back → every local retirement lifted (its view
/// replaces our guesses). Without a <c>kubernetes</c> catalog source or without a policy nothing is retired.
/// </summary>
/// <remarks>Thread-safe; reads are lock-free over an immutable map replaced on each change.</remarks>
internal sealed class NodeLiveness : INodeLiveness, IRetirementView, IDisposable
{
    /// <summary>What a probe opens: the libp2p ping protocol every agent serves (tunnel.libp2p owns it).</summary>
    public const string ProbeProtocol = "/ipfs/ping/1.0.0";

    private const string MdnsDiscovery = "mdns";
    private const int ProbeConcurrency = 16;

    /// <summary>Most probes one round starts; the other suspects wait for the next round (2 s later).</summary>
    internal const int ProbesPerRound = 64;

    /// <summary>
    /// A node is put to the policy this often unless the policy says when to ask again (<see cref="RetireDecision.RecheckSeconds"/>,
    /// 1 to 60 s): thousands of nodes are not judged every 2 s, and a node kept until its window ends is judged again when it ends.
    /// </summary>
    internal static readonly TimeSpan JudgeEvery = TimeSpan.FromSeconds(10);

    private readonly RecordStore _store;
    private readonly ApiView _api;
    private readonly INodeRetirePolicy? _policy;
    private readonly IPeerNetwork? _network;
    private readonly IMeshTunnel? _tunnel;
    private readonly Func<IEnumerable<IPeerDiscovery>> _discoveries;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _probeTimeout;
    private readonly ConcurrentDictionary<string, Heard> _heard = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _judgeAgainAt = new(StringComparer.Ordinal);
    private readonly Lock _write = new();
    private IReadOnlyDictionary<string, RetiredNode> _retired = new Dictionary<string, RetiredNode>(StringComparer.Ordinal);
    private IReadOnlyList<IPeerDiscovery> _subscribed = [];
    private int _started;

    public NodeLiveness(RecordStore store, ApiView api, INodeRetirePolicy? policy, IPeerNetwork? network, IMeshTunnel? tunnel,
        Func<IEnumerable<IPeerDiscovery>> discoveries, TimeProvider time, ILogger logger, Meter meter, TimeSpan probeTimeout)
    {
        _store = store;
        _api = api;
        _policy = policy;
        _network = network;
        _tunnel = tunnel;
        _discoveries = discoveries;
        _time = time;
        _logger = logger;
        _probeTimeout = probeTimeout;
        meter.CreateObservableGauge("pluginmesh.directory.retired", () => Volatile.Read(ref _retired).Count,
            description: "Nodes retired locally by the tolerance window (silent while the API is unreachable)");
    }

    /// <inheritdoc />
    public event Action? Changed;

    /// <inheritdoc />
    public IReadOnlyList<RetiredNode> Retired => [.. Volatile.Read(ref _retired).Values.OrderBy(r => r.NodeName, StringComparer.Ordinal)];

    /// <inheritdoc />
    public bool IsRetired(string nodeName) => Volatile.Read(ref _retired).ContainsKey(nodeName);

    /// <summary>Subscribes to what says an agent is alive; the store consults us from here on.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        _store.Retirements = this;
        _store.Accepted += OnAccepted;
        if (_network is not null) _network.PeerConnected += OnConnected;
        _subscribed = [.. _discoveries().Where(d => d.Name == MdnsDiscovery)];
        foreach (var discovery in _subscribed) discovery.PeerDiscovered += OnDiscovered;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _started, 2) != 1) return;
        _store.Accepted -= OnAccepted;
        if (_network is not null) _network.PeerConnected -= OnConnected;
        foreach (var discovery in _subscribed) discovery.PeerDiscovered -= OnDiscovered;
    }

    /// <summary>
    /// One round (the directory calls it every 2 s; one caller at a time): lifts everything while the API
    /// answers, otherwise puts each node not judged in the last <see cref="JudgeEvery"/> to the policy and
    /// probes at most <see cref="ProbesPerRound"/> of those it says to retire before retiring them.
    /// </summary>
    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        var state = _api.State;
        var now = _time.GetUtcNow();
        if (!state.HasApi || state.Connected || _policy is null)
        {
            // Whenever the API goes away again, every node is judged afresh at once.
            _judgeAgainAt.Clear();
            if (Volatile.Read(ref _retired).Count > 0)
            {
                var lifted = Replace(_ => false);
                DirectoryLog.ApiBack(_logger, lifted);
            }
            return;
        }
        var offline = Math.Max(0, (now - (state.OfflineSince ?? now)).TotalSeconds);
        var connected = _network?.Connections.Select(c => c.PeerId.ToString()).ToHashSet(StringComparer.Ordinal) ?? [];
        var announced = MdnsSeen();
        var retired = Volatile.Read(ref _retired);
        var lift = new List<string>();
        var suspects = new List<(NodeRecord Record, double Silent, string Via, DateTimeOffset LastHeard)>();
        var heldNodes = new HashSet<string>(StringComparer.Ordinal);
        var heldPeers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stored, chosen, _) in _store.Snapshot())
        {
            var record = stored.Signed.Record;
            var peer = record.PeerId.ToString();
            heldPeers.Add(peer);
            if (!chosen || peer == _store.LocalPeer) continue;
            heldNodes.Add(record.NodeName);
            if (_judgeAgainAt.TryGetValue(record.NodeName, out var due) && now < due) continue;
            if (suspects.Count >= ProbesPerRound) continue; // judged in a later round
            _judgeAgainAt[record.NodeName] = now + JudgeEvery;
            var (lastHeard, via) = LastHeard(peer, stored, connected.Contains(peer), announced, now);
            var silent = Math.Max(0, (now - lastHeard).TotalSeconds);
            var labels = _api.NodeLabels(record.NodeName) ?? record.Labels;
            bool retire;
            try
            {
                var decision = _policy.ShouldRetire(new RetireInput(record.NodeName, silent, false, offline, via, labels));
                retire = decision.Retire;
                if (decision.RecheckSeconds is { } recheck) _judgeAgainAt[record.NodeName] = now + TimeSpan.FromSeconds(Math.Clamp(recheck, 1, 60));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The host's engine falls back to its default itself; anything else keeps the node.
                DirectoryLog.PolicyFailed(_logger, record.NodeName, e.Message);
                retire = false;
            }
            if (retire && !retired.ContainsKey(record.NodeName)) suspects.Add((record, silent, via, lastHeard));
            else if (!retire && retired.ContainsKey(record.NodeName)) lift.Add(record.NodeName);
        }
        // Whatever the store no longer holds is neither judged nor remembered (a pruned or evicted record).
        var forgotten = retired.Keys.Where(n => !heldNodes.Contains(n)).ToList();
        lift.AddRange(forgotten);
        foreach (var name in _judgeAgainAt.Keys.Where(n => !heldNodes.Contains(n)).ToList()) _judgeAgainAt.Remove(name);
        foreach (var peer in _heard.Keys.Where(p => !heldPeers.Contains(p)).ToList()) _heard.TryRemove(peer, out _);
        var probed = await ProbeAsync(suspects, now, offline, cancellationToken).ConfigureAwait(false);
        if (lift.Count == 0 && probed.Count == 0) return;
        var newlyRetired = new List<RetiredNode>();
        Update(map =>
        {
            var changed = false;
            foreach (var name in lift) changed |= map.Remove(name);
            foreach (var r in probed)
            {
                // Heard while it was being probed: not retired after all. Checked under the write lock, and
                // HeardFrom records before it looks for what to lift, so either this sees it or that lifts it.
                if (_heard.TryGetValue(r.PeerId!.ToString(), out var h) && h.At > r.LastHeard) continue;
                map[r.NodeName] = r;
                newlyRetired.Add(r);
                changed = true;
            }
            return changed;
        });
        foreach (var r in newlyRetired) DirectoryLog.Retired(_logger, r.NodeName, r.Reason);
        foreach (var name in lift) DirectoryLog.Lifted(_logger, name, forgotten.Contains(name) ? "its record is no longer held" : "the policy keeps it");
    }

    /// <summary>Probes the suspects (a few at a time); those that do not answer are retired.</summary>
    private async Task<List<RetiredNode>> ProbeAsync(List<(NodeRecord Record, double Silent, string Via, DateTimeOffset LastHeard)> suspects, DateTimeOffset now, double offline, CancellationToken cancellationToken)
    {
        var retired = new ConcurrentBag<RetiredNode>();
        using var gate = new SemaphoreSlim(ProbeConcurrency);
        await Task.WhenAll(suspects.Select(async s =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var failure = await ProbeAsync(s.Record.PeerId, cancellationToken).ConfigureAwait(false);
                if (failure is null)
                {
                    _heard[s.Record.PeerId.ToString()] = new Heard(_time.GetUtcNow(), "probe");
                    return;
                }
                var reason = string.Create(CultureInfo.InvariantCulture,
                    $"silent {s.Silent:0} s (last heard via {s.Via}) while the API has been unreachable for {offline:0} s; {failure}");
                retired.Add(new RetiredNode(s.Record.NodeName, s.Record.PeerId, s.LastHeard, now, reason));
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return [.. retired];
    }

    /// <summary>Null when the agent answered; otherwise why the probe failed.</summary>
    private async Task<string?> ProbeAsync(PeerId peer, CancellationToken cancellationToken)
    {
        if (_tunnel is null) return "no tunnel to probe it";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_probeTimeout);
        try
        {
            var opened = await _tunnel.OpenStreamAsync(new PeerTarget(PeerId: peer), ProbeProtocol, timeout.Token).ConfigureAwait(false);
            if (!opened.Ok) return "probe failed: " + opened.Error;
            opened.Stream.Reset();
            await opened.Stream.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"probe timed out after {_probeTimeout.TotalSeconds:0} s");
        }
    }

    private (DateTimeOffset At, string Via) LastHeard(string peer, StoredRecord stored, bool connected, IReadOnlyDictionary<string, DateTimeOffset> announced, DateTimeOffset now)
    {
        if (connected) return (now, "connection");
        var best = (At: stored.ReceivedAt, Via: "record");
        if (_heard.TryGetValue(peer, out var heard) && heard.At > best.At) best = (heard.At, heard.Via);
        if (announced.TryGetValue(peer, out var seen) && seen > best.At) best = (seen, MdnsDiscovery);
        return best;
    }

    private Dictionary<string, DateTimeOffset> MdnsSeen()
    {
        var seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var discovery in _subscribed)
        {
            foreach (var p in discovery.Peers)
            {
                var key = p.PeerId.ToString();
                if (!seen.TryGetValue(key, out var at) || p.SeenAt > at) seen[key] = p.SeenAt;
            }
        }
        return seen;
    }

    private void OnAccepted(SignedNodeRecord signed, string source)
    {
        // A cache load is not the agent speaking; anything else accepted is a newer record of it.
        if (source == "cache") return;
        HeardFrom(signed.Record.PeerId, "record", _time.GetUtcNow());
    }

    private void OnConnected(PeerConnection connection) => HeardFrom(connection.PeerId, "connection", _time.GetUtcNow());

    private void OnDiscovered(DiscoveredPeer peer) => HeardFrom(peer.PeerId, MdnsDiscovery, peer.SeenAt);

    /// <summary>The agent spoke: remembered, and its node comes back at once if it was retired.</summary>
    private void HeardFrom(PeerId peerId, string via, DateTimeOffset at)
    {
        _heard[peerId.ToString()] = new Heard(at, via);
        var back = Volatile.Read(ref _retired).Values.Where(r => r.PeerId == peerId).Select(r => r.NodeName).ToList();
        if (back.Count == 0) return;
        Update(map => back.Aggregate(false, (changed, name) => map.Remove(name) | changed));
        foreach (var name in back) DirectoryLog.Lifted(_logger, name, "heard via " + via);
    }

    /// <summary>Keeps the retired nodes for which <paramref name="keep"/> is true; returns how many went.</summary>
    private int Replace(Func<RetiredNode, bool> keep)
    {
        var removed = 0;
        Update(map =>
        {
            foreach (var r in map.Values.Where(r => !keep(r)).ToList())
            {
                map.Remove(r.NodeName);
                removed++;
            }
            return removed > 0;
        });
        return removed;
    }

    /// <summary>Applies <paramref name="change"/> to a copy under the write lock; publishes it and raises Changed when it says it changed something.</summary>
    private void Update(Func<Dictionary<string, RetiredNode>, bool> change)
    {
        lock (_write)
        {
            var map = new Dictionary<string, RetiredNode>(Volatile.Read(ref _retired), StringComparer.Ordinal);
            if (!change(map)) return;
            Volatile.Write(ref _retired, map);
        }
        RaiseChanged();
    }

    private void RaiseChanged()
    {
        var handlers = Changed;
        if (handlers is null) return;
        foreach (var handler in handlers.GetInvocationList())
        {
            try { ((Action)handler)(); }
            catch (Exception e) when (e is not OutOfMemoryException) { DirectoryLog.HandlerFailed(_logger, e.Message); }
        }
    }

    private readonly record struct Heard(DateTimeOffset At, string Via);
}
