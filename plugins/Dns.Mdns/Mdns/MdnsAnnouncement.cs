using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>One peer's announcement read from a response (a goodbye when <see cref="Ttl"/> is 0).</summary>
/// <param name="PeerName">The instance label the PTR points at (random per process).</param>
/// <param name="PeerId">PeerId from the first address's <c>/p2p/</c> component; null for a goodbye that carries no TXT.</param>
/// <param name="Addresses">Multiaddrs ending in <c>/p2p/&lt;PeerId&gt;</c>, in packet order, without duplicates.</param>
/// <param name="Ttl">Smallest TTL among the PTR and the TXT records used, in seconds.</param>
internal sealed record MdnsAnnouncement(string PeerName, PeerId? PeerId, IReadOnlyList<Multiaddr> Addresses, uint Ttl);
