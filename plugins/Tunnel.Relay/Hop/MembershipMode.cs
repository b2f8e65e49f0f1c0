namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Who counts as a mesh member (member limits) rather than an outsider (config <c>members</c>).</summary>
public enum MembershipMode
{
    /// <summary>Peers with a valid record in the node directory (the default), plus <c>trustedPeers</c>.</summary>
    Directory,
    /// <summary>
    /// Every peer that reached us. Right when the tunnel runs with a PSK (pnet): only holders of the key
    /// can connect at all, so the PSK already is the membership test.
    /// </summary>
    All,
    /// <summary>Only <c>trustedPeers</c>.</summary>
    None,
}
