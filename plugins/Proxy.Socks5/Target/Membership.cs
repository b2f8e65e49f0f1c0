using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Proxy.Socks5.Target;

/// <summary>
/// Who may have this node dial its own ports: a peer whose PeerId is bound to a node name, by the
/// Kubernetes API (a Node's agent annotation in the catalog) or by the node directory. With neither
/// an API binding nor a directory anywhere, only a private network's PSK holders — never anyone
/// who merely completed a handshake on an open mesh.
/// </summary>
/// <remarks>Thread-safe; the API bindings are computed once per catalog version.</remarks>
internal sealed class Membership(IServiceCatalog? catalog, INodeDirectory? directory, IPeerNetwork? network)
{
    private volatile Tuple<long, IReadOnlySet<PeerId>>? _bound;

    /// <summary>Null when <paramref name="peer"/> is a member; otherwise why not.</summary>
    public string? Check(PeerId peer)
    {
        var bound = Bound();
        if (bound.Contains(peer)) return null;
        if (directory?.ResolvePeer(peer) is not null) return null;
        if (bound.Count == 0 && directory is null && network?.PrivateNetwork == true) return null;
        return $"not_member: peer {peer} is not bound to a node name (Kubernetes API or node directory)";
    }

    private IReadOnlySet<PeerId> Bound()
    {
        if (catalog is null) return new HashSet<PeerId>();
        var snapshot = catalog.Current;
        var bound = _bound;
        if (bound is null || bound.Item1 != snapshot.Version)
        {
            bound = Tuple.Create(snapshot.Version, snapshot.BoundPeerIds());
            _bound = bound;
        }
        return bound.Item2;
    }
}
