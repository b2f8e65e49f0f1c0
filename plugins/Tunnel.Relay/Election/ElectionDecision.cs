namespace PluginMesh.Plugins.Tunnel.Relay.Election;

/// <summary>One answer of the relay election: offer the hop service or not, who decided, why, since when.</summary>
/// <param name="Offer">Whether this agent offers the relay hop service.</param>
/// <param name="Cause">Who decided: <c>mode</c> (config <c>relay: always|never</c>), <c>label</c> (the Node's <c>pluginmesh.io/relay</c>), <c>policy</c> (<c>electRelay</c>) or <c>autonat</c> (no election policy: offer while public).</param>
/// <param name="Reason">The facts behind it, for status and logs.</param>
/// <param name="Since">When this answer was first given.</param>
public sealed record ElectionDecision(bool Offer, string Cause, string Reason, DateTimeOffset Since);
