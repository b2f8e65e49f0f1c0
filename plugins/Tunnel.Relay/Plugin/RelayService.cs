using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>
/// Runs both halves: the hop service (offered per config <c>relay</c> and reachability) and the
/// client (STOP handler, reservations, autorelay). Stop is safe after a partial start.
/// </summary>
internal sealed class RelayService(RelayOptions options, RelayDependencies deps, RelayMetrics metrics, TimeProvider time, ILogger logger) : IHostedService
{
    private readonly Lock _lock = new();
    private HopService? _hop;
    private IDisposable? _hopRegistration;
    private IDisposable? _stopRegistration;
    private ReservationManager? _reservations;
    private AutoRelayService? _autoRelay;

    public HopService? Hop => _hop;

    public bool HopOffered { get { lock (_lock) return _hopRegistration is not null; } }

    public ReservationManager? Reservations => _reservations;

    public AutoRelayService? AutoRelay => _autoRelay;

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
                if (deps.Network is not null)
                {
                    deps.Network.ReachabilityChanged += OnReachability;
                    deps.Network.PeerDisconnected += OnDisconnected;
                }
                UpdateOffer();
            }
        }

        _reservations = new ReservationManager(deps.Tunnel, deps.Network, time, logger);
        metrics.ObserveClientReservations(() => _reservations.Reservations.Count);
        if (deps.Network is not null)
        {
            var stop = new StopHandler(deps.Network, deps.Tunnel.LocalPeerId, _reservations.Holds, logger);
            _stopRegistration = deps.Tunnel.RegisterHandler(RelayProtocols.Stop, stop.HandleAsync);
        }
        var candidates = new RelayCandidateSource(options.Candidates, deps.Directory, deps.Discoveries, deps.Tunnel.LocalPeerId);
        _autoRelay = new AutoRelayService(_reservations, candidates, options.Reserve, options.Relays, options.AutoRelay, deps.Network, deps.Policy, metrics, time, logger);
        _autoRelay.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (deps.Network is not null)
        {
            deps.Network.ReachabilityChanged -= OnReachability;
            deps.Network.PeerDisconnected -= OnDisconnected;
        }
        lock (_lock)
        {
            _hopRegistration?.Dispose();
            _hopRegistration = null;
        }
        _stopRegistration?.Dispose();
        _stopRegistration = null;
        if (_autoRelay is not null) await _autoRelay.DisposeAsync().ConfigureAwait(false);
        if (_reservations is not null) await _reservations.DisposeAsync().ConfigureAwait(false);
    }

    private void OnReachability(Reachability _) => UpdateOffer();

    private void OnDisconnected(PeerConnection connection)
    {
        if (deps.Network!.Connections.Any(c => c.PeerId == connection.PeerId && c.Path != PathKind.Relayed)) return;
        _hop?.ForgetPeer(connection.PeerId);
    }

    private void UpdateOffer()
    {
        var offer = options.Relay == RelayOfferMode.Always
            || (options.Relay == RelayOfferMode.Auto && deps.Network?.Reachability == Reachability.Public);
        lock (_lock)
        {
            if (offer && _hopRegistration is null && _hop is not null)
            {
                _hopRegistration = _hop.Register();
                HopLog.HopState(logger, "offered");
            }
            else if (!offer && _hopRegistration is not null)
            {
                _hopRegistration.Dispose();
                _hopRegistration = null;
                HopLog.HopState(logger, "withdrawn");
            }
        }
    }
}
