using PluginMesh.Abstractions.Discovery;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>What the table concluded from one announcement: at most one event to raise.</summary>
/// <param name="Discovered">Raise PeerDiscovered with it (new peer, changed addresses, or a due refresh).</param>
/// <param name="Expired">Raise PeerExpired with this PeerId (a goodbye).</param>
/// <param name="Full">The table is full and the peer was not added.</param>
internal readonly record struct MdnsObservation(DiscoveredPeer? Discovered, PeerId? Expired, bool Full);
