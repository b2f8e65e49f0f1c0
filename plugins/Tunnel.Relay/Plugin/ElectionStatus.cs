namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>The <c>election</c> part of the hop status.</summary>
/// <param name="Offer">The decision in force.</param>
/// <param name="Cause"><c>mode</c>, <c>label</c>, <c>policy</c> or <c>autonat</c>.</param>
/// <param name="Reason">The facts behind it.</param>
/// <param name="Since">When it took effect.</param>
/// <param name="Pending">A different answer waiting out the hysteresis (<c>offer</c>, <c>since</c>), or null.</param>
internal sealed record ElectionStatus(bool Offer, string Cause, string Reason, DateTimeOffset Since, PendingElection? Pending);

/// <summary>An answer not yet in force.</summary>
internal sealed record PendingElection(bool Offer, string Reason, DateTimeOffset Since);
