using PluginMesh.P2p;
using PluginMesh.Abstractions.Discovery;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>A discovery the test drives by hand (the real mDNS is tested in the dns.mdns plugin).</summary>
internal sealed class FakeDiscovery(string name = "mdns") : IPeerDiscovery
{
    private readonly List<DiscoveredPeer> _peers = [];

    public string Name => name;

    public IReadOnlyList<DiscoveredPeer> Peers
    {
        get { lock (_peers) return [.. _peers]; }
    }

    public event Action<DiscoveredPeer>? PeerDiscovered;

    public event Action<PeerId>? PeerExpired;

    public void Announce(string peerId, IReadOnlyList<string> addrs)
    {
        var peer = new DiscoveredPeer(PeerId.Parse(peerId), [.. addrs.Select(Multiaddr.Parse)], name, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        lock (_peers)
        {
            _peers.RemoveAll(p => p.PeerId == peer.PeerId);
            _peers.Add(peer);
        }
        PeerDiscovered?.Invoke(peer);
    }

    public void Expire(string peerId) => PeerExpired?.Invoke(PeerId.Parse(peerId));
}
