using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>What the discovery advertises about the local peer.</summary>
/// <param name="PeerId">Local PeerId.</param>
/// <param name="Addresses">Multiaddrs ending in <c>/p2p/&lt;PeerId&gt;</c>.</param>
internal sealed record LocalPeerAdvertisement(PeerId PeerId, IReadOnlyList<Multiaddr> Addresses);
