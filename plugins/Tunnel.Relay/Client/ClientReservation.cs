namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>A reservation this agent holds on a relay.</summary>
/// <param name="RelayPeerId">The relay.</param>
/// <param name="RelayAddress">Where we reached it (ends in <c>/p2p/&lt;relay&gt;</c>).</param>
/// <param name="Expires">When the relay drops it unless refreshed.</param>
/// <param name="CircuitAddresses">Our addresses through this relay (<c>…/p2p-circuit/p2p/&lt;us&gt;</c>).</param>
/// <param name="LimitDuration">Per-circuit duration the relay announced (seconds on the wire), null for none.</param>
/// <param name="LimitBytes">Per-circuit bytes the relay announced, null for none.</param>
/// <param name="Voucher">The signed voucher envelope, when the relay sent one.</param>
public sealed record ClientReservation(PeerId RelayPeerId, Multiaddr RelayAddress, DateTimeOffset Expires, IReadOnlyList<Multiaddr> CircuitAddresses, TimeSpan? LimitDuration, long? LimitBytes, byte[]? Voucher);
