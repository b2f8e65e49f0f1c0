using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Tunnel;

/// <summary>Whether other peers can dial this agent directly (from AutoNAT).</summary>
public enum Reachability
{
    /// <summary>Not determined yet.</summary>
    Unknown,
    /// <summary>Dialable from outside.</summary>
    Public,
    /// <summary>Behind NAT or a firewall: reachable through relays only.</summary>
    Private,
}

/// <summary>One live connection to a peer.</summary>
/// <param name="PeerId">Remote PeerId.</param>
/// <param name="RemoteAddress">Remote multiaddr (contains <c>/p2p-circuit</c> when relayed).</param>
/// <param name="Path">Direct, hole-punched or relayed.</param>
/// <param name="Inbound">True when the remote dialed us.</param>
/// <param name="OpenedAt">When it was established.</param>
/// <param name="Rtt">Last measured round trip, or null.</param>
/// <param name="Protocols">Protocols the remote announced through Identify.</param>
public sealed record PeerConnection(PeerId PeerId, Multiaddr RemoteAddress, PathKind Path, bool Inbound, DateTimeOffset OpenedAt, TimeSpan? Rtt, IReadOnlyList<string> Protocols);

/// <summary>
/// The peer-to-peer network as other plugins see it: live connections and their events, this
/// agent's reachability, extra addresses to announce (relay circuits), and the inbound upgrade of
/// raw connections that arrive through another plugin (a relay's STOP stream). Provided by the
/// tunnel plugin.
/// </summary>
/// <remarks>
/// Thread-safe. Events are raised on the network's threads after the state changed; handlers must
/// be quick and must not throw. Expected network failures surface as <see cref="TunnelException"/>.
/// </remarks>
public interface IPeerNetwork
{
    /// <summary>Current reachability.</summary>
    Reachability Reachability { get; }

    /// <summary>
    /// True when every connection requires the swarm key (libp2p pnet PSK): then each connected peer
    /// holds it. False is an open mesh — anyone who completes a Noise handshake is connected — so
    /// membership must never be granted for being connected.
    /// </summary>
    bool PrivateNetwork => false;

    /// <summary>Raised when <see cref="Reachability"/> changes.</summary>
    event Action<Reachability>? ReachabilityChanged;

    /// <summary>Live connections (several per peer possible, e.g. relayed plus direct).</summary>
    IReadOnlyList<PeerConnection> Connections { get; }

    /// <summary>A connection was established (after the security and muxer upgrade and Identify).</summary>
    event Action<PeerConnection>? PeerConnected;

    /// <summary>A connection closed.</summary>
    event Action<PeerConnection>? PeerDisconnected;

    /// <summary>
    /// Replaces the addresses announced on behalf of <paramref name="source"/> (e.g. <c>relay</c> with
    /// its circuit addresses); they join <see cref="ILocalPeer.Addresses"/> and Identify pushes.
    /// </summary>
    void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs);

    /// <summary>
    /// Upgrades a raw inbound connection (pnet when configured, multistream-select, Noise, Yamux)
    /// exactly like one accepted by a listener and adds it to the network. Completes when the
    /// upgrade finished; throws <see cref="TunnelException"/> when it failed.
    /// </summary>
    ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken);

    /// <summary>Measures one round trip to a connected peer with libp2p ping.</summary>
    ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken);
}
