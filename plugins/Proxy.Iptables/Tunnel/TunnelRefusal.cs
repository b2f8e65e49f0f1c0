namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>Why the serving side refused a tunnel stream (a value for status and metrics, never an exception).</summary>
public enum TunnelRefusalReason
{
    /// <summary>The peer is not a member: its PeerId is bound to no node name (API, cached API or directory).</summary>
    NotMember,
    /// <summary>The target is the control plane: an endpoint of <c>default/kubernetes</c>, a kubelet port or this agent's admin port.</summary>
    ControlPlane,
    /// <summary>The target is not an endpoint (address, port, protocol) of any service in this agent's catalog.</summary>
    NotInCatalog,
    /// <summary>The target is a catalog endpoint, but the catalog places it on another node (and no served CIDR holds it).</summary>
    NotOnThisNode,
}

/// <summary>A refusal with its reason and a message for the initiator and the log.</summary>
/// <param name="Reason">Why.</param>
/// <param name="Message">What was refused, e.g. <c>not_on_this_node: 10.244.2.7:8080 is on node-c, not node-b</c>.</param>
public sealed record TunnelRefusal(TunnelRefusalReason Reason, string Message)
{
    /// <summary>The reason as it appears in messages, metrics and status.</summary>
    public string Code => ToCode(Reason);

    /// <summary>Snake-case text of <paramref name="reason"/>.</summary>
    public static string ToCode(TunnelRefusalReason reason) => reason switch
    {
        TunnelRefusalReason.NotMember => "not_member",
        TunnelRefusalReason.ControlPlane => "control_plane",
        TunnelRefusalReason.NotInCatalog => "not_in_catalog",
        TunnelRefusalReason.NotOnThisNode => "not_on_this_node",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
