namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>One active reservation held by a peer on this relay.</summary>
/// <param name="PeerId">Who reserved.</param>
/// <param name="Ip">The IP it reserved from (per-IP limit), or null when unknown.</param>
/// <param name="Expires">When it lapses unless refreshed.</param>
/// <param name="Member">Whether member limits apply.</param>
public sealed record HopReservation(PeerId PeerId, string? Ip, DateTimeOffset Expires, bool Member);
