using PluginMesh.P2p;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Discovery;

/// <summary>What status shows about one discovered peer.</summary>
/// <param name="PeerId">The peer.</param>
/// <param name="Source">Who found it (<c>mdns</c>, <c>directory</c>, <c>config</c>).</param>
/// <param name="Addresses">Its announced addresses.</param>
/// <param name="LastSeen">When the announcement was last received.</param>
/// <param name="State"><c>connecting</c>, <c>connected</c>, <c>failed</c> or <c>ignored</c>.</param>
/// <param name="Error">Why the last connection attempt failed, if it did.</param>
/// <param name="Dropped">Announced addresses not dialled again until the announcement changes, and why.</param>
public sealed record DiscoveredPeerState(PeerId PeerId, string Source, IReadOnlyList<Multiaddr> Addresses, DateTimeOffset LastSeen, string State, string? Error,
    IReadOnlyList<DroppedAddress> Dropped);

/// <summary>An announced address the connector stopped dialling.</summary>
/// <param name="Address">The address as announced.</param>
/// <param name="Reason">Why (it is ours, it reaches ourselves, it reaches another peer).</param>
public sealed record DroppedAddress(string Address, string Reason);
