using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;

namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>
/// The relay for a diagnostic command's node (<c>pluginmesh p2p listen --relay-service / --reserve</c>):
/// the same <see cref="RelayService"/> the agent runs, with the hop service on or off, reservations
/// pinned to the given relays (no autorelay), and the relay client as the node's circuit transport.
/// </summary>
internal sealed class StandaloneRelay : IStandaloneRelay
{
    private readonly Meter _meter = new("PluginMesh.Plugins.Tunnel.Relay.Standalone");
    private readonly RelayService _service;
    private int _started;

    public StandaloneRelay(StandaloneRelaySettings settings, IMeshTunnel tunnel, ILocalPeer localPeer, IPeerNetwork network, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var address in settings.Reserve)
        {
            if (!CircuitAddressRelay.TryParse(address, out _)) throw new ArgumentException($"relay to reserve on '{address}' is not a relay multiaddr ending in /p2p/<PeerId>");
        }
        var options = new RelayOptions
        {
            Relay = settings.OfferHop ? RelayOfferMode.Always : RelayOfferMode.Never,
            Members = settings.AllMembers ? MembershipMode.All : MembershipMode.None,
            Reserve = settings.Reserve,
            AutoRelay = AutoRelayMode.Off,
            Relays = 0,
        };
        Transport = new CircuitTransport(tunnel);
        _service = new RelayService(options, new RelayDependencies(tunnel, localPeer, network, null, [], null),
            new RelayMetrics(_meter), TimeProvider.System, loggers.CreateLogger("PluginMesh.Plugins.Tunnel.Relay"));
    }

    public ITransport Transport { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) throw new InvalidOperationException("[tunnel.relay] standalone relay already started");
        return _service.StartAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None).ConfigureAwait(false);
        _meter.Dispose();
    }
}
