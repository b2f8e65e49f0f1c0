namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Who counts as a mesh member (member limits) rather than an outsider (config <c>members</c>).</summary>
public enum MembershipMode
{
    /// <summary>
    /// The default (<c>bound</c>; <c>directory</c> is an older name for it): PSK holders whose node name is
    /// bound to their PeerId — by the Kubernetes API (a Node's <c>pluginmesh.io/peer-id</c> in the catalog,
    /// kept in the cache while the API is away) or by an API or cached-API record of the node directory.
    /// On an island that never saw an API binding, an unexpired directory record (first claim) binds.
    /// Without a PSK (open mesh) nobody is a member; <c>trustedPeers</c> always are.
    /// </summary>
    Bound,
    /// <summary>
    /// Every peer that reached us while the tunnel runs with a PSK (pnet): only holders of the key can
    /// connect at all, so the PSK is the membership test. In an open mesh, nobody (but <c>trustedPeers</c>).
    /// </summary>
    Psk,
    /// <summary>Every peer that reached us, PSK or not (a lab or a relay serving strangers on purpose).</summary>
    All,
    /// <summary>Only <c>trustedPeers</c>.</summary>
    None,
}
