using Microsoft.Extensions.Logging;
using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Tunnel;

/// <summary>What a standalone relay should do.</summary>
/// <param name="OfferHop">Offer the Circuit Relay v2 hop service to other peers.</param>
/// <param name="Reserve">Relay multiaddrs (ending in <c>/p2p/&lt;PeerId&gt;</c>) to keep reservations on; refreshed before expiry and renewed after a relay comes back.</param>
/// <param name="AllMembers">
/// Treat every peer that can connect as a member (unlimited circuits). Set it when the node runs a
/// private network (PSK): only key holders get through the handshake. Otherwise circuits get the
/// spec's outsider limits (2 minutes, 128 KiB).
/// </param>
public sealed record StandaloneRelaySettings(bool OfferHop, IReadOnlyList<Multiaddr> Reserve, bool AllMembers);

/// <summary>A relay (hop service and/or client) running outside the agent's lifecycle, attached to a diagnostic command's node.</summary>
public interface IStandaloneRelay : IAsyncDisposable
{
    /// <summary>The relay client as a transport: dials <c>/p2p-circuit</c> addresses. Give it to the node before it dials.</summary>
    ITransport Transport { get; }

    /// <summary>Registers the hop and stop handlers and starts keeping the reservations. Circuit addresses are announced through <see cref="IPeerNetwork.SetAnnouncedAddresses"/> as they are obtained.</summary>
    Task StartAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Optionally implemented by a plugin's entry type whose relay can run on its own, so a diagnostic
/// command of another plugin (<c>pluginmesh p2p listen --relay-service / --reserve</c>,
/// <c>p2p dial</c> of a <c>/p2p-circuit</c> address) can use it without either plugin referencing
/// the other. The host passes every such provider in <see cref="Plugins.PluginCommandContext.RelayProviders"/>.
/// </summary>
public interface IStandaloneRelayProvider
{
    /// <summary>
    /// Creates a relay for a node that is already built (not necessarily started). Invalid
    /// <paramref name="settings"/> (a reserve entry that is not a relay multiaddr) are an
    /// <see cref="ArgumentException"/> naming the entry.
    /// </summary>
    IStandaloneRelay Create(StandaloneRelaySettings settings, IMeshTunnel tunnel, ILocalPeer localPeer, IPeerNetwork network, ILoggerFactory loggers);
}
