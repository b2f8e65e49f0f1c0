namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>Which connected peers count as members for the tunnel's serving side (<c>tunnelMembers</c>).</summary>
public enum TunnelMembers
{
    /// <summary>
    /// Peers whose PeerId is bound to a node name: by the Kubernetes API (a Node's <c>pluginmesh.io/peer-id</c>),
    /// or by the node directory (which prefers API and cached API bindings). With neither an API binding nor a
    /// directory anywhere, every connected (PSK-holding) peer.
    /// </summary>
    Bound,
    /// <summary>Every connected peer: with a PSK, the PSK holders; without one, anyone (open mesh).</summary>
    Connected,
}
