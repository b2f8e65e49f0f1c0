using PluginMesh.Abstractions.Discovery;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>LAN peers as plain data (the real mDNS is tested in the dns.mdns plugin).</summary>
internal sealed class StaticDiscovery(IReadOnlyList<DiscoveredPeer> peers) : IPeerDiscovery
{
    private IReadOnlyList<DiscoveredPeer> _peers = peers;

    public string Name => "mdns";

    public IReadOnlyList<DiscoveredPeer> Peers => Volatile.Read(ref _peers);

    public event Action<DiscoveredPeer>? PeerDiscovered;

    public event Action<PeerId>? PeerExpired;

    public void Announce(DiscoveredPeer peer)
    {
        Volatile.Write(ref _peers, [.. Peers.Where(p => p.PeerId != peer.PeerId), peer]);
        PeerDiscovered?.Invoke(peer);
    }

    public void Expire(PeerId peerId)
    {
        Volatile.Write(ref _peers, [.. Peers.Where(p => p.PeerId != peerId)]);
        PeerExpired?.Invoke(peerId);
    }
}
