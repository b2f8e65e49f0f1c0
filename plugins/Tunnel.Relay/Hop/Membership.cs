namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Decides member vs outsider for a PeerId.</summary>
internal sealed class Membership(MembershipMode mode, IReadOnlySet<PeerId> trusted, INodeDirectory? directory)
{
    public bool IsMember(PeerId peerId) =>
        trusted.Contains(peerId) || mode switch
        {
            MembershipMode.All => true,
            MembershipMode.Directory => directory?.ResolvePeer(peerId) is not null,
            _ => false,
        };
}
