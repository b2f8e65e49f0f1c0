using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>
/// ILocalPeer over a real libp2p node's identity: the tunnel plugin does not provide one yet, so the
/// test supplies the same thing it will (PeerId, key protobuf, Ed25519 signing, listen addresses).
/// </summary>
internal sealed class TestLocalPeer(Libp2pNodeService node) : ILocalPeer
{
    public string PeerId => node.Identity.PeerId.ToString();

    public IReadOnlyList<string> Addresses =>
        [.. (node.Host?.ListenAddresses ?? []).Select(a => a.WithPeerId(node.Identity.PeerId).ToString())];

    public event Action? AddressesChanged { add { } remove { } }

    public ReadOnlyMemory<byte> PublicKey => node.Identity.PublicKey.Protobuf.ToArray();

    public byte[] Sign(ReadOnlySpan<byte> data) => node.Identity.Sign(data);
}
