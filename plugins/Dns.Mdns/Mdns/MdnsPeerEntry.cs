using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>A live peer in the table; mutable, guarded by the table's lock.</summary>
internal sealed class MdnsPeerEntry(PeerId peerId, string peerName)
{
    public PeerId PeerId { get; } = peerId;

    public string PeerName { get; set; } = peerName;

    public IReadOnlyList<Multiaddr> Addresses { get; set; } = [];

    public DateTimeOffset SeenAt { get; set; }

    public TimeSpan Ttl { get; set; }

    /// <summary>When PeerDiscovered was last raised for it (refreshes are limited to one per TTL/2).</summary>
    public DateTimeOffset RaisedAt { get; set; }

    public DateTimeOffset ExpiresAt => SeenAt + Ttl;
}
