namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>The <c>relay</c> section of <c>/status</c>.</summary>
internal sealed record RelayStatus(HopStatus Hop, IReadOnlyList<ClientReservationStatus> Reservations, IReadOnlyList<CandidateStatus> Candidates, bool AutoRelayActive);
