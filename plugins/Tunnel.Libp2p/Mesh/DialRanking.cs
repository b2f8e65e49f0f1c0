using PluginMesh.Plugins.Tunnel.Libp2p.Network;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// Whether a peer's direct address is worth dialing before its relay circuits. A public or loopback
/// address is (a loopback address of a peer on this machine: tests, several agents on one host); a
/// private one only when it is on one of our own links, or in a private range we are observed in
/// ourselves (<see cref="AddressRanges.SharesRealm"/>: both sides' NATs on carrier or lab space).
/// Another LAN's address behind the peer's NAT, or a pod bridge's gateway (<see cref="ClusterRanges"/>),
/// never answers from here: dialed before the circuits, each costs a connect timeout on every new
/// connection — after a relay dies, that is the time a request waits. They are still dialed, last
/// (a routed private network reaches them).
/// </summary>
internal sealed class DialRanking(AddressRanges ranges, ClusterRanges pods)
{
    public bool Likely(Multiaddr address, IReadOnlyList<IPAddress> seenAs)
    {
        // DNS names and non-IP transports: nothing to judge by.
        if (!address.TryGetIp(out var ip)) return true;
        if (pods.Contains(ip)) return false;
        return IPAddress.IsLoopback(ip) || ranges.WorthDialing(ip, seenAs) || InterfaceAddresses.OnLink(ip);
    }
}
