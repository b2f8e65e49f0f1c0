namespace PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

/// <summary>The <c>publish</c> part of the <c>catalog.kubernetes</c> status: this agent on its own Node.</summary>
/// <param name="State">
/// <c>off</c> (switched off, or no tunnel plugin), <c>pending</c> (nothing tried yet), <c>published</c>
/// (the Node carries the current values), <c>forbidden</c> (403), <c>unsupported</c> (405/501: an API,
/// such as KubeEdge's metaServer, that takes no PATCH), <c>offline</c> (API unreachable) or
/// <c>failed</c> (any other answer, e.g. 404 for a Node of another name).
/// </param>
/// <param name="Node">The Node written to (the agent's node name).</param>
/// <param name="Reason">Why <c>off</c>; null otherwise.</param>
/// <param name="PeerId">The PeerId published (or to be), null while off.</param>
/// <param name="Addresses">How many addresses the last value holds.</param>
/// <param name="Relay">Whether the last value says the agent offers relaying.</param>
/// <param name="LastPublished">When the Node was last seen carrying the current values (patched, or found so).</param>
/// <param name="Patches">Successful patches since start.</param>
/// <param name="LastError">The last failure, or null.</param>
/// <param name="LastErrorAt">When it happened.</param>
public sealed record PublishStatus(
    string State,
    string Node,
    string? Reason,
    string? PeerId,
    int Addresses,
    bool Relay,
    DateTimeOffset? LastPublished,
    long Patches,
    string? LastError,
    DateTimeOffset? LastErrorAt);
