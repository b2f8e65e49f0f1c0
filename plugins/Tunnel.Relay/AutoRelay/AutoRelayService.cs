using PluginMesh.Plugins.Tunnel.Relay.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

/// <summary>
/// Decides which relays to hold reservations on: the pinned ones from config <c>reserve</c>, plus up
/// to K more (config <c>relays</c>) ranked by <see cref="IRelaySelectionPolicy"/> while autorelay is on.
/// Runs a reconcile round on start, on every relevant event (relay disconnected, refresh failed,
/// reachability changed) and periodically; a lost relay is replaced in the next round, at once.
/// Candidates come with the load their records publish and a measured RTT (connected ones pinged,
/// a few unconnected ones probed per round); a held relay whose load passes 0.9 is swapped for a
/// clearly less loaded candidate (at least 0.3 lower).
/// </summary>
internal sealed class AutoRelayService(
    ReservationManager reservations,
    RelayCandidateSource candidates,
    IReadOnlyList<Multiaddr> pinned,
    int want,
    AutoRelayMode mode,
    IPeerNetwork? network,
    IRelaySelectionPolicy? policy,
    RelayMetrics metrics,
    TimeProvider time,
    ILogger logger,
    IMeshTunnel? tunnel = null) : IAsyncDisposable
{
    /// <summary>A held relay this loaded is swapped for a candidate at least <see cref="ClearlyBetter"/> less loaded.</summary>
    internal const double HighLoad = 0.9;
    internal const double ClearlyBetter = 0.3;

    /// <summary>Unconnected candidates probed per round (each one a dial and a ping, bounded by <see cref="ProbeTimeout"/>).</summary>
    private const int ProbesPerRound = 3;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private const string PingProtocol = "/ipfs/ping/1.0.0";

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(10);

    private readonly HashSet<PeerId> _pinnedIds = pinned.Select(p => CircuitAddressRelay.TryParse(p, out var r) ? r!.PeerId : null).OfType<PeerId>().ToHashSet();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, List<DateTimeOffset>> _failures = [];
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<RankedCandidate> _ranked = [];
    private DateTimeOffset? _lostAt;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Candidates of the last round, best first (for status).</summary>
    public IReadOnlyList<RankedCandidate> Candidates { get { lock (_lock) return _ranked; } }

    /// <summary>
    /// Whether autorelay holds reservations: always, or in <c>auto</c> until AutoNAT says we are public.
    /// While reachability is still unknown it reserves too: AutoNAT needs a connection to a public peer
    /// to decide, and an agent with no traffic of its own opens none — without this a fresh private agent
    /// would stay unreachable until someone dialed it. The reservation's connection gives AutoNAT its
    /// answer; public, the reservations are dropped in the next round.
    /// </summary>
    public bool Active => mode == AutoRelayMode.Always
        || (mode == AutoRelayMode.Auto && network?.Reachability is Reachability.Private or Reachability.Unknown);

    public void Start()
    {
        reservations.Lost += OnLost;
        if (network is not null)
        {
            network.PeerDisconnected += OnDisconnected;
            network.ReachabilityChanged += OnReachability;
        }
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    /// <summary>
    /// A new candidate may have appeared (a record offering relay, a LAN peer): runs a round now if
    /// autorelay is short of its K reservations, instead of at the next period.
    /// </summary>
    public void Nudge()
    {
        if (Active && reservations.Reservations.Count < want + pinned.Count) Wake();
    }

    /// <summary>Runs one round now (tests and the loop).</summary>
    internal async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        foreach (var address in pinned)
        {
            if (!CircuitAddressRelay.TryParse(address, out var relay) || reservations.Holds(relay!.PeerId) || InBackoff(relay.PeerId)) continue;
            await TryReserveAsync(relay, cancellationToken).ConfigureAwait(false);
        }
        var pinnedIds = _pinnedIds;
        var extra = reservations.Reservations.Where(r => !pinnedIds.Contains(r.RelayPeerId)).ToList();
        if (!Active)
        {
            foreach (var r in extra) reservations.Remove(r.RelayPeerId);
            FailoverFinished();
            return;
        }
        var ranked = await RankAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock) _ranked = ranked;
        var need = want - extra.Count;
        foreach (var c in ranked)
        {
            if (need <= 0) break;
            if (!Free(c)) continue;
            if (await TryReserveAsync(c.Relay, cancellationToken).ConfigureAwait(false)) need--;
        }
        if (need <= 0 || ranked.Count == 0) FailoverFinished();
        await RebalanceAsync(ranked, extra, cancellationToken).ConfigureAwait(false);

        bool Free(RankedCandidate c) => !reservations.Holds(c.Relay.PeerId) && !pinnedIds.Contains(c.Relay.PeerId) && !InBackoff(c.Relay.PeerId);

        // A saturated relay hands its client over to one clearly less loaded; the new reservation comes first, so nothing is unreachable meanwhile.
        async Task RebalanceAsync(IReadOnlyList<RankedCandidate> order, List<ClientReservation> held, CancellationToken ct)
        {
            foreach (var loaded in order.Where(c => c.Load > HighLoad && held.Any(r => r.RelayPeerId == c.Relay.PeerId)).ToList())
            {
                var better = order.FirstOrDefault(c => Free(c) && c.Load <= loaded.Load - ClearlyBetter);
                if (better is null || !await TryReserveAsync(better.Relay, ct).ConfigureAwait(false)) continue;
                reservations.Remove(loaded.Relay.PeerId);
                AutoRelayLog.Rebalanced(logger, loaded.Relay.PeerId.ToString(), loaded.Load, better.Relay.PeerId.ToString(), better.Load);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        reservations.Lost -= OnLost;
        if (network is not null)
        {
            network.PeerDisconnected -= OnDisconnected;
            network.ReachabilityChanged -= OnReachability;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                AutoRelayLog.RoundFailed(logger, e);
            }
            // Wake early on events; otherwise re-rank now and then so new candidates get a chance. While
            // short of reservations, retry as soon as a failed relay's backoff is over: one that refused
            // because it was not elected yet (no hop service) is reserved on seconds after it is.
            using var periodic = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            periodic.CancelAfter(NextRoundIn);
            try
            {
                await _wake.WaitAsync(periodic.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    /// <summary>How long the loop waits for an event before its next round: <see cref="Backoff"/> while short of reservations, else <see cref="Period"/>.</summary>
    internal TimeSpan NextRoundIn => Short() ? Backoff : Period;

    /// <summary>A pinned relay is not held, or autorelay holds fewer than K while a candidate it does not hold is known.</summary>
    private bool Short()
    {
        var held = reservations.Reservations.Select(r => r.RelayPeerId).ToHashSet();
        if (!_pinnedIds.IsSubsetOf(held)) return true;
        bool untried;
        lock (_lock) untried = _ranked.Any(c => !held.Contains(c.Relay.PeerId));
        return Active && untried && held.Count(id => !_pinnedIds.Contains(id)) < want;
    }

    private async Task<bool> TryReserveAsync(CircuitAddressRelay relay, CancellationToken cancellationToken)
    {
        try
        {
            await reservations.AddAsync(relay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            ClientLog.ReserveFailed(logger, relay.PeerId.ToString(), e.Message);
            lock (_lock)
            {
                if (!_failures.TryGetValue(relay.PeerId, out var list)) _failures[relay.PeerId] = list = [];
                list.Add(time.GetUtcNow());
            }
            return false;
        }
    }

    private async Task<IReadOnlyList<RankedCandidate>> RankAsync(CancellationToken cancellationToken)
    {
        var gathered = candidates.Gather();
        var connected = network?.Connections.Select(c => c.PeerId).ToHashSet() ?? [];
        var input = new List<RelayCandidate>();
        var probes = 0;
        foreach (var c in gathered)
        {
            double? rtt = null;
            if (network is not null && (connected.Contains(c.Relay.PeerId) || (probes++ < ProbesPerRound && await ConnectAsync(c.Relay, cancellationToken).ConfigureAwait(false))))
            {
                try
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    cts.CancelAfter(ProbeTimeout);
                    rtt = (await network.PingAsync(c.Relay.PeerId, cts.Token).ConfigureAwait(false)).TotalMilliseconds;
                }
                catch (Exception e) when (e is IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Unmeasured: the policy sees null.
                }
            }
            // Policy inputs are JSON-shaped: the PeerId as text.
            input.Add(new RelayCandidate(c.Relay.PeerId.ToString(), rtt, RecentFailures(c.Relay.PeerId), c.Load, c.Source, c.Labels));
        }
        var order = policy?.RankRelays(new RelaySelectionInput(want, input)).Relays ?? DefaultRank(input);
        var byId = gathered.ToDictionary(c => c.Relay.PeerId.ToString(), StringComparer.Ordinal);
        var rtts = input.ToDictionary(c => c.PeerId, c => c.RttMs, StringComparer.Ordinal);
        return [.. order.Where(byId.ContainsKey).Distinct(StringComparer.Ordinal)
            .Select((id, i) => new RankedCandidate(byId[id].Relay, byId[id].Source, i + 1, rtts[id], RecentFailures(byId[id].Relay.PeerId), byId[id].Load))];
    }

    /// <summary>
    /// Connects to a candidate not yet connected, so that it can be pinged: a ping stream opened and closed
    /// at once, bounded by <see cref="ProbeTimeout"/>. The connection is the one a reservation would use;
    /// if none is made on it, the tunnel's idle timeout closes it. False when the candidate cannot be reached.
    /// </summary>
    private async Task<bool> ConnectAsync(CircuitAddressRelay relay, CancellationToken cancellationToken)
    {
        if (tunnel is null) return false;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(ProbeTimeout);
        try
        {
            var opened = await tunnel.OpenStreamAsync(relay.Target, PingProtocol, cts.Token).ConfigureAwait(false);
            if (!opened.Ok) return false;
            await opened.Stream.DisposeAsync().ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The built-in order when no policy is registered: fewest recent failures, saturated relays (load above 0.9) after the others, then lowest RTT, unmeasured last.</summary>
    internal static IReadOnlyList<string> DefaultRank(IReadOnlyList<RelayCandidate> input) =>
        [.. input.OrderBy(c => c.RecentFailures).ThenBy(c => c.Load > HighLoad).ThenBy(c => c.RttMs ?? double.MaxValue).ThenBy(c => c.PeerId, StringComparer.Ordinal).Select(c => c.PeerId)];

    private int RecentFailures(PeerId peer)
    {
        lock (_lock)
        {
            if (!_failures.TryGetValue(peer, out var list)) return 0;
            var since = time.GetUtcNow() - FailureWindow;
            list.RemoveAll(t => t < since);
            return list.Count;
        }
    }

    private bool InBackoff(PeerId peer)
    {
        lock (_lock) return _failures.TryGetValue(peer, out var list) && list.Count > 0 && list[^1] > time.GetUtcNow() - Backoff;
    }

    private void OnLost(PeerId relay)
    {
        AutoRelayLog.RelayLost(logger, relay.ToString(), "refresh failed");
        MarkLost();
    }

    private void OnDisconnected(PeerConnection connection)
    {
        // A reservation lives as long as the connection to the relay (spec): it is gone with it,
        // unless another connection to that relay remains.
        if (!reservations.Holds(connection.PeerId)) return;
        if (network!.Connections.Any(c => c.PeerId == connection.PeerId && c.Path != PathKind.Relayed)) return;
        reservations.Remove(connection.PeerId);
        AutoRelayLog.RelayLost(logger, connection.PeerId.ToString(), "disconnected");
        lock (_lock)
        {
            if (!_failures.TryGetValue(connection.PeerId, out var list)) _failures[connection.PeerId] = list = [];
            list.Add(time.GetUtcNow());
        }
        MarkLost();
    }

    private void OnReachability(Reachability _) => Wake();

    /// <summary>Asks for a round; events that come while one is already asked for fold into it.</summary>
    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    private void MarkLost()
    {
        lock (_lock) _lostAt ??= time.GetUtcNow();
        Wake();
    }

    private void FailoverFinished()
    {
        DateTimeOffset? lostAt;
        lock (_lock)
        {
            lostAt = _lostAt;
            _lostAt = null;
        }
        if (lostAt is null) return;
        var took = time.GetUtcNow() - lostAt.Value;
        metrics.Failover(took);
        AutoRelayLog.FailoverDone(logger, took.TotalMilliseconds, reservations.Reservations.Count);
    }
}
