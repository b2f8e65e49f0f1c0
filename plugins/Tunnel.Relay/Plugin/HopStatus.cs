namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>Hop side: offered or not, what it carries.</summary>
internal sealed record HopStatus(string Mode, bool Offered, int Reservations, int Circuits, long Bytes, IReadOnlyList<string> ReservedPeers);
