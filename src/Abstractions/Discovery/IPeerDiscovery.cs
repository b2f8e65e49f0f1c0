using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Discovery;

/// <summary>A peer found by some discovery mechanism.</summary>
/// <param name="PeerId">The peer.</param>
/// <param name="Addresses">Multiaddrs, each ending in <c>/p2p/&lt;PeerId&gt;</c>.</param>
/// <param name="Source">Who found it: <c>mdns</c>, <c>directory</c>, <c>config</c>.</param>
/// <param name="SeenAt">When it was last seen.</param>
/// <param name="Ttl">How long the announcement is valid.</param>
public sealed record DiscoveredPeer(PeerId PeerId, IReadOnlyList<Multiaddr> Addresses, string Source, DateTimeOffset SeenAt, TimeSpan Ttl);

/// <summary>A discovery mechanism (mDNS, directory, static config).</summary>
/// <remarks>
/// Thread-safe. Events are raised on the discovery's own thread; handlers must be quick and must
/// not throw. <see cref="PeerExpired"/> follows a TTL lapse or a goodbye packet.
/// </remarks>
public interface IPeerDiscovery
{
    /// <summary>Mechanism name (the <see cref="DiscoveredPeer.Source"/> it reports).</summary>
    string Name { get; }

    /// <summary>Currently known peers.</summary>
    IReadOnlyList<DiscoveredPeer> Peers { get; }

    /// <summary>A peer was found or refreshed.</summary>
    event Action<DiscoveredPeer>? PeerDiscovered;

    /// <summary>A peer's announcement expired or it said goodbye; the argument is its PeerId.</summary>
    event Action<PeerId>? PeerExpired;
}
