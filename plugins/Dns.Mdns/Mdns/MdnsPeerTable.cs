using PluginMesh.Abstractions.Discovery;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// Peers seen by mDNS with their TTLs. Decides which announcements are worth an event: a new peer,
/// a changed address set, or a refresh at most once per TTL/2 — so a peer answering every query of
/// every node (many packets per interval) does not make the tunnel redial in a loop.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class MdnsPeerTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<PeerId, MdnsPeerEntry> _peers = [];
    private readonly int _capacity;

    public MdnsPeerTable(int capacity = MdnsLimits.MaxPeers) => _capacity = capacity;

    public int Count
    {
        get
        {
            lock (_lock) return _peers.Count;
        }
    }

    /// <summary>Applies an announcement seen at <paramref name="now"/>.</summary>
    public MdnsObservation Observe(MdnsAnnouncement announcement, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        lock (_lock)
        {
            if (announcement.Ttl == 0)
            {
                // A goodbye may carry no TXT: find the peer by its instance name then.
                var id = announcement.PeerId
                    ?? _peers.Values.FirstOrDefault(p => p.PeerName == announcement.PeerName)?.PeerId;
                return id is not null && _peers.Remove(id) ? new MdnsObservation(null, id, false) : default;
            }

            var peerId = announcement.PeerId ?? throw new ArgumentException("an announcement with a TTL names its peer", nameof(announcement));
            if (!_peers.TryGetValue(peerId, out var entry))
            {
                if (_peers.Count >= _capacity) return new MdnsObservation(null, null, true);
                entry = new MdnsPeerEntry(peerId, announcement.PeerName);
                _peers[peerId] = entry;
            }
            else if (entry.Addresses.Count == announcement.Addresses.Count && !entry.Addresses.Except(announcement.Addresses).Any()
                     && now - entry.RaisedAt < entry.Ttl / 2)
            {
                entry.SeenAt = now;
                entry.Ttl = TimeSpan.FromSeconds(announcement.Ttl);
                entry.PeerName = announcement.PeerName;
                return default;
            }

            entry.PeerName = announcement.PeerName;
            entry.Addresses = announcement.Addresses;
            entry.SeenAt = now;
            entry.Ttl = TimeSpan.FromSeconds(announcement.Ttl);
            entry.RaisedAt = now;
            return new MdnsObservation(ToPeer(entry), null, false);
        }
    }

    /// <summary>Removes peers whose TTL lapsed by <paramref name="now"/>; returns their ids.</summary>
    public List<PeerId> Expire(DateTimeOffset now)
    {
        lock (_lock)
        {
            var gone = _peers.Values.Where(p => p.ExpiresAt <= now).Select(p => p.PeerId).ToList();
            foreach (var id in gone) _peers.Remove(id);
            return gone;
        }
    }

    /// <summary>When the first live peer expires, or null when there is none.</summary>
    public DateTimeOffset? NextExpiry()
    {
        lock (_lock) return _peers.Count == 0 ? null : _peers.Values.Min(p => p.ExpiresAt);
    }

    public IReadOnlyList<DiscoveredPeer> Snapshot()
    {
        lock (_lock) return _peers.Values.Select(ToPeer).ToList();
    }

    public List<MdnsPeerStatus> Status(DateTimeOffset now)
    {
        lock (_lock)
            return _peers.Values
                .Select(p => new MdnsPeerStatus(p.PeerId.ToString(), [.. p.Addresses.Select(a => a.ToString())], p.SeenAt, Math.Max(0, (p.ExpiresAt - now).TotalSeconds)))
                .OrderBy(p => p.PeerId, StringComparer.Ordinal).ToList();
    }

    private static DiscoveredPeer ToPeer(MdnsPeerEntry e) => new(e.PeerId, e.Addresses, "mdns", e.SeenAt, e.Ttl);
}
