namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>A live peer in the table; mutable, guarded by the table's lock.</summary>
internal sealed class MdnsPeerEntry(string peerId, string peerName)
{
    public string PeerId { get; } = peerId;

    public string PeerName { get; set; } = peerName;

    public IReadOnlyList<string> Addresses { get; set; } = [];

    public DateTimeOffset SeenAt { get; set; }

    public TimeSpan Ttl { get; set; }

    /// <summary>When PeerDiscovered was last raised for it (refreshes are limited to one per TTL/2).</summary>
    public DateTimeOffset RaisedAt { get; set; }

    public DateTimeOffset ExpiresAt => SeenAt + Ttl;
}
