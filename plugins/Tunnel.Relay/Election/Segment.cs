using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Policies;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Relay.Election;

/// <summary>
/// This agent's LAN segment for <c>electRelay</c>: the peers mDNS hears (multicast does not cross a
/// router, so that is the segment), each described by its directory record's relay offer.
/// </summary>
internal static class Segment
{
    /// <summary>The discoveries that see the LAN segment (mDNS), not the whole mesh.</summary>
    public static IEnumerable<IPeerDiscovery> Discoveries(IEnumerable<IPeerDiscovery> all) =>
        all.Where(d => string.Equals(d.Name, "mdns", StringComparison.Ordinal));

    /// <summary>Every neighbour once, as its record shows it (a neighbour without a record offers nothing we know of).</summary>
    public static IReadOnlyList<RelayElectionMember> Neighbours(IEnumerable<IPeerDiscovery> discoveries, INodeDirectory? directory, PeerId self, DateTimeOffset now)
    {
        var seen = new HashSet<PeerId> { self };
        var members = new List<RelayElectionMember>();
        foreach (var discovery in Discoveries(discoveries))
        {
            foreach (var peer in discovery.Peers)
            {
                if (!seen.Add(peer.PeerId)) continue;
                members.Add(RelayFacts.Member(peer.PeerId.ToString(), directory?.ResolvePeer(peer.PeerId), now));
            }
        }
        return members;
    }
}
