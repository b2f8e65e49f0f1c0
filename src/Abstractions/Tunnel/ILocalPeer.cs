using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Abstractions.Tunnel;

/// <summary>
/// This agent as a peer: its PeerId, the addresses it announces, and signing with its identity
/// key. Provided by the tunnel plugin; used by discovery (to advertise), the node directory and
/// relays (to sign records and vouchers).
/// </summary>
/// <remarks>
/// Thread-safe. <see cref="Addresses"/> changes when listeners start, relays are reserved or
/// observed addresses are learned; <see cref="AddressesChanged"/> is raised after each change on
/// the thread that made it (handlers must be quick and must not throw).
/// </remarks>
public interface ILocalPeer
{
    /// <summary>This agent's PeerId.</summary>
    PeerId PeerId { get; }

    /// <summary>Announced multiaddrs, each ending in <c>/p2p/&lt;PeerId&gt;</c> (direct first, then relayed).</summary>
    IReadOnlyList<Multiaddr> Addresses { get; }

    /// <summary>Raised after <see cref="Addresses"/> changed.</summary>
    event Action? AddressesChanged;

    /// <summary>The identity public key (<see cref="PublicKey.Protobuf"/> is libp2p's <c>PublicKey</c> protobuf).</summary>
    PublicKey PublicKey { get; }

    /// <summary>Signs <paramref name="data"/> with the identity key (Ed25519 over the bytes as given).</summary>
    byte[] Sign(ReadOnlySpan<byte> data);
}
