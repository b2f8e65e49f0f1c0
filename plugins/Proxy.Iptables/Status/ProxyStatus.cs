namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>The <c>proxy</c> section of <c>/status</c>.</summary>
/// <param name="Mode"><c>iptables</c> or <c>listen</c>.</param>
/// <param name="Running">True between start and stop.</param>
/// <param name="Rules">Rule sync state (iptables mode), or null.</param>
/// <param name="TunnelServing">True when answering <c>/pluginmesh/tunnel/1.0.0</c>.</param>
/// <param name="ActiveConnections">Open connections and UDP sessions.</param>
/// <param name="Services">Per service.</param>
/// <param name="FlatPodNetwork">With <c>flatPodNetwork: true</c>, the nodes whose pods are dialed directly; null otherwise.</param>
public sealed record ProxyStatus(string Mode, bool Running, RuleSyncStatus? Rules, bool TunnelServing, long ActiveConnections, IReadOnlyList<ServiceStatus> Services,
    FlatPodNetworkStatus? FlatPodNetwork = null)
{
    /// <summary>Why this mode: <c>configured</c>, or what <c>auto</c> found (e.g. <c>auto: not running as root</c>).</summary>
    public string? ModeReason { get; init; }

    /// <summary>Tunnel streams refused by this agent since start, by reason (<c>not_member</c>, <c>control_plane</c>, <c>not_in_catalog</c>, <c>not_on_this_node</c>).</summary>
    public IReadOnlyDictionary<string, long> TunnelRefused { get; init; } = new Dictionary<string, long>();

    /// <summary>iptables mode with <c>keepClientSource</c>: whether Local-policy endpoints see the client's address; null otherwise.</summary>
    public ClientSourceStatus? ClientSource { get; init; }

    /// <summary>The proxy's own event loop for connections to endpoints on this node; null when it is off (<c>eventLoop: false</c>, not Linux, or it could not be opened).</summary>
    public EventLoopStatus? EventLoop { get; init; }
}

/// <summary>The proxy's event loop (<c>eventLoop</c>, see proxy.iptables README).</summary>
/// <param name="Active">Connections it relays now.</param>
/// <param name="Relayed">Connections it relayed since start.</param>
/// <param name="Connects">Connects to endpoints it made since start.</param>
public sealed record EventLoopStatus(int Active, long Relayed, long Connects);

/// <summary>Keeping the client's address for <c>externalTrafficPolicy: Local</c> (see proxy.iptables README).</summary>
/// <param name="Ready">Rules and route in place: connections are made from the client's address.</param>
/// <param name="Mark">The reply mark bit (<c>clientSourceMark</c>), hexadecimal.</param>
/// <param name="Table">The routing table (<c>clientSourceTable</c>).</param>
/// <param name="Kept">Connections made from a client's address since start.</param>
/// <param name="Problem">Why not, or null.</param>
/// <param name="Ipv6Ready">The same for IPv6 clients and endpoints.</param>
/// <param name="Ipv6Problem">Why not for IPv6, or null.</param>
public sealed record ClientSourceStatus(bool Ready, string Mark, int Table, long Kept, string? Problem, bool Ipv6Ready = false, string? Ipv6Problem = null);
