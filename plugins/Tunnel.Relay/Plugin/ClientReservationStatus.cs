namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>One reservation this agent holds.</summary>
internal sealed record ClientReservationStatus(string Relay, string Address, DateTimeOffset Expires, IReadOnlyList<string> CircuitAddresses);
