using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Election;
using PluginMesh.Plugins.Tunnel.Relay.Hop;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>
/// Runs both halves: the hop service (offered as the relay election decides, see
/// <see cref="RelayElection"/>, and advertised with its load as the <c>relay</c> offer of
/// <see cref="ILocalPeer"/>) and the client (STOP handler, reservations, autorelay). Stop is safe
/// after a partial start.
/// </summary>
internal sealed class RelayService(RelayOptions options, RelayDependencies deps, RelayMetrics metrics, TimeProvider time, ILogger logger) : IHostedService
{
    /// <summary>An election round runs this often, and sooner on events (reachability, label, LAN peers, records).</summary>
    internal static readonly TimeSpan ElectionPeriod = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ElectionGap = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Action> _unsubscribe = [];
    private RelayElection? _election;
    private Task _electionLoop = Task.CompletedTask;
    private DateTimeOffset _startedAt;
    private (long Bytes, DateTimeOffset At) _lastBytes;
    private double _bytesPerSecond;
    private HopService? _hop;
    private IDisposable? _hopRegistration;
    private IDisposable? _stopRegistration;
    private ReservationManager? _reservations;
    private AutoRelayService? _autoRelay;

    public HopService? Hop => _hop;

    public bool HopOffered { get { lock (_lock) return _hopRegistration is not null; } }

    public ReservationManager? Reservations => _reservations;

    public AutoRelayService? AutoRelay => _autoRelay;

    /// <summary>The election's decision in force and the one waiting out the hysteresis; nulls when no election runs.</summary>
    public (ElectionDecision? Current, ElectionDecision? Pending) Election
    {
        get { lock (_lock) return (_election?.Current, _election?.Pending); }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Relay != RelayOfferMode.Never)
        {
            if (deps.LocalPeer is null)
            {
                // Vouchers must be signed with the node identity; a hop service without them would
                // hand out reservations clients cannot verify. An operator who asked for a relay gets
                // a startup error; under `auto` the agent keeps running as a client only.
                const string Detail = "no ILocalPeer is registered (the tunnel plugin provides it), so reservation vouchers cannot be signed; set relay: never to run without the hop service";
                if (options.Relay == RelayOfferMode.Always) throw new PluginMeshException("tunnel.relay", "start hop service", Detail);
                HopLog.HopUnavailable(logger, Detail);
            }
            else
            {
                var membership = new Membership(options.Members, options.TrustedPeers.ToHashSet(), deps.Directory, deps.Catalog, deps.Network, time);
                _hop = new HopService(deps.Tunnel, deps.LocalPeer, options.Limits, options.MemberLimits, options.OutsiderLimits, membership, metrics, time, logger);
                metrics.ObserveHopReservations(() => _hop.Reservations.Count);
                if (deps.Network is not null) deps.Network.PeerDisconnected += OnDisconnected;
                StartElection();
            }
        }

        _reservations = new ReservationManager(deps.Tunnel, deps.Network, time, logger);
        metrics.ObserveClientReservations(() => _reservations.Reservations.Count);
        if (deps.Network is not null)
        {
            var reservations = _reservations;
            var net = deps.Network;
            Func<PeerId, bool> accepts = options.AcceptStop == StopAcceptance.Dialed
                ? relay => reservations.Holds(relay) || net.Connections.Any(c => c.PeerId == relay && !c.Inbound && c.Path != PathKind.Relayed)
                : reservations.Holds;
            var stop = new StopHandler(deps.Network, deps.Tunnel.LocalPeerId, accepts, logger);
            _stopRegistration = deps.Tunnel.RegisterHandler(RelayProtocols.Stop, stop.HandleAsync);
        }
        var network = deps.Network;
        var candidates = new RelayCandidateSource(options.Candidates, deps.Directory, deps.Discoveries, deps.Tunnel.LocalPeerId, deps.Catalog,
            network is null ? null : peer => network.Connections.Any(c => c.PeerId == peer && c.Protocols.Contains(RelayProtocols.Hop, StringComparer.Ordinal)));
        _autoRelay = new AutoRelayService(_reservations, candidates, options.Reserve, options.Relays, options.AutoRelay, deps.Network, deps.Policy, metrics, time, logger, deps.Tunnel);
        _autoRelay.Start();
        // Elected relays show up as records (and LAN peers): a private agent short of relays reserves on them at once.
        Action<PluginMesh.Abstractions.Directory.NodeRecord> onRecord = _ => _autoRelay.Nudge();
        Action<PluginMesh.Abstractions.Discovery.DiscoveredPeer> onPeer = _ => _autoRelay.Nudge();
        if (deps.Directory is { } directory)
        {
            directory.Changed += onRecord;
            _unsubscribe.Add(() => directory.Changed -= onRecord);
        }
        foreach (var discovery in deps.Discoveries)
        {
            discovery.PeerDiscovered += onPeer;
            _unsubscribe.Add(() => discovery.PeerDiscovered -= onPeer);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (deps.Network is not null) deps.Network.PeerDisconnected -= OnDisconnected;
        foreach (var unsubscribe in _unsubscribe) unsubscribe();
        _unsubscribe.Clear();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _electionLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        lock (_lock)
        {
            _hopRegistration?.Dispose();
            _hopRegistration = null;
        }
        deps.LocalPeer?.WithdrawOffer(RelayFacts.Service);
        _stopRegistration?.Dispose();
        _stopRegistration = null;
        if (_autoRelay is not null) await _autoRelay.DisposeAsync().ConfigureAwait(false);
        if (_reservations is not null) await _reservations.DisposeAsync().ConfigureAwait(false);
    }

    private void OnDisconnected(PeerConnection connection)
    {
        if (deps.Network!.Connections.Any(c => c.PeerId == connection.PeerId && c.Path != PathKind.Relayed)) return;
        _hop?.ForgetPeer(connection.PeerId);
    }

    private void StartElection()
    {
        _startedAt = time.GetUtcNow();
        _lastBytes = (0, _startedAt);
        _election = new RelayElection(options.Relay, options.SegmentRelays, options.ElectionSettle, deps.Election, time);
        metrics.ObserveOffered(() => HopOffered ? 1 : 0);
        void Wake() => _wake.Release();
        void Subscribe(Action add, Action remove)
        {
            add();
            _unsubscribe.Add(remove);
        }
        Action<Reachability> onReachability = _ => Wake();
        Action<PluginMesh.Abstractions.Catalog.CatalogSnapshot> onCatalog = _ => Wake();
        Action<PluginMesh.Abstractions.Discovery.DiscoveredPeer> onPeer = _ => Wake();
        Action<PluginMesh.P2p.PeerId> onExpired = _ => Wake();
        Action<PluginMesh.Abstractions.Directory.NodeRecord> onRecord = _ => Wake();
        if (deps.Network is { } network) Subscribe(() => network.ReachabilityChanged += onReachability, () => network.ReachabilityChanged -= onReachability);
        if (deps.Catalog is { } catalog) Subscribe(() => catalog.Changed += onCatalog, () => catalog.Changed -= onCatalog);
        if (deps.Directory is { } directory) Subscribe(() => directory.Changed += onRecord, () => directory.Changed -= onRecord);
        foreach (var discovery in Segment.Discoveries(deps.Discoveries))
        {
            Subscribe(() => discovery.PeerDiscovered += onPeer, () => discovery.PeerDiscovered -= onPeer);
            Subscribe(() => discovery.PeerExpired += onExpired, () => discovery.PeerExpired -= onExpired);
        }
        // The first round runs now, so that `relay: always` (or a label) offers before start returns.
        Elect();
        _electionLoop = Task.Run(() => ElectionLoopAsync(_stop.Token));
    }

    private async Task ElectionLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var period = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                period.CancelAfter(ElectionPeriod);
                try
                {
                    await _wake.WaitAsync(period.Token).ConfigureAwait(false);
                    // A burst of events (records arriving, a LAN coming up) makes one round, not one each.
                    await Task.Delay(ElectionGap, time, cancellationToken).ConfigureAwait(false);
                    while (_wake.CurrentCount > 0) await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }
            if (cancellationToken.IsCancellationRequested) return;
            try
            {
                Elect();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ElectionLog.RoundFailed(logger, e);
            }
        }
    }

    /// <summary>One election round: decide, offer or withdraw the hop service, publish the offer with fresh facts.</summary>
    internal void Elect()
    {
        var now = time.GetUtcNow();
        var hop = _hop!;
        var reachability = deps.Network?.Reachability ?? Reachability.Unknown;
        var load = RelayFacts.LoadOf(hop.Reservations.Count, options.Limits.MaxReservations, hop.Circuits, options.Limits.MaxCircuits);
        var bytes = hop.Bytes;
        var seconds = (now - _lastBytes.At).TotalSeconds;
        if (seconds >= 1)
        {
            _bytesPerSecond = RelayFacts.Coarse((bytes - _lastBytes.Bytes) / seconds);
            _lastBytes = (bytes, now);
        }
        var (cores, memory) = RelayFacts.Machine();
        var self = new PluginMesh.Abstractions.Policies.RelayElectionMember(
            deps.Tunnel.LocalPeerId.ToString(), true, reachability.ToString().ToLowerInvariant(), HopOffered, cores, memory, Math.Round((now - _startedAt).TotalSeconds), load);
        var input = new ElectionInput(NodeLabel(), reachability, [self, .. Segment.Neighbours(deps.Discoveries, deps.Directory, deps.Tunnel.LocalPeerId, now)]);
        ElectionDecision decision;
        bool changed;
        lock (_lock)
        {
            changed = _election!.Evaluate(input);
            decision = _election.Current!;
            if (decision.Offer && _hopRegistration is null)
            {
                _hopRegistration = hop.Register();
                HopLog.HopState(logger, "offered");
            }
            else if (!decision.Offer && _hopRegistration is not null)
            {
                _hopRegistration.Dispose();
                _hopRegistration = null;
                HopLog.HopState(logger, "withdrawn");
            }
        }
        if (changed)
        {
            metrics.ElectionChanged(decision.Offer, decision.Cause);
            ElectionLog.Decided(logger, decision.Offer ? "offer" : "decline", decision.Cause, decision.Reason);
        }
        if (decision.Offer)
        {
            deps.LocalPeer!.SetOffer(new ServiceOffer(RelayFacts.Service, new Dictionary<string, double>
            {
                [RelayFacts.Reservations] = hop.Reservations.Count,
                [RelayFacts.Circuits] = hop.Circuits,
                [RelayFacts.BytesPerSecond] = _bytesPerSecond,
                [RelayFacts.Load] = load,
                [RelayFacts.Cores] = cores,
                [RelayFacts.MemoryMiB] = memory,
                [RelayFacts.StartedAt] = _startedAt.ToUnixTimeSeconds(),
                [RelayFacts.Public] = reachability == Reachability.Public ? 1 : 0,
            }));
        }
        else
        {
            deps.LocalPeer!.WithdrawOffer(RelayFacts.Service);
        }
    }

    /// <summary>This node's <c>pluginmesh.io/relay</c> label from the catalog's Node, or null.</summary>
    private string? NodeLabel()
    {
        if (deps.Catalog is null || !deps.Catalog.Current.Nodes.TryGetValue(deps.NodeName, out var node)) return null;
        return node.Labels is not null && node.Labels.TryGetValue("pluginmesh.io/relay", out var value) ? value : null;
    }
}
