using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Network;

/// <summary>
/// <see cref="ILocalPeer"/> over the node service: the identity is read (or created) on first use,
/// addresses come from the running host plus the announced ones.
/// </summary>
public sealed class LocalPeer : ILocalPeer
{
    private readonly Libp2pNodeService _node;

    internal LocalPeer(Libp2pNodeService node)
    {
        _node = node;
        node.Announced.Changed += RaiseChanged;
        // Listen addresses appear when the host starts; later changes come from announcements.
        node.Started += _ => RaiseChanged();
    }

    public PeerId PeerId => _node.Identity.PeerId;

    /// <summary>Direct addresses of the running host first (none before start), then announced ones; each with /p2p/&lt;id&gt;.</summary>
    public IReadOnlyList<Multiaddr> Addresses
    {
        get
        {
            var id = _node.Identity.PeerId;
            var direct = _node.Host?.DirectAddresses ?? [];
            return [.. direct.Concat(_node.Announced.All).Select(a => a.PeerId == id ? a : a.WithPeerId(id)).Distinct()];
        }
    }

    public event Action? AddressesChanged;

    public PublicKey PublicKey => _node.Identity.PublicKey;

    public byte[] Sign(ReadOnlySpan<byte> data) => _node.Identity.Sign(data);

    private void RaiseChanged() => AddressesChanged?.Invoke();
}
