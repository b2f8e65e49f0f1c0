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

    /// <summary>
    /// Services this agent offers other peers (e.g. <c>relay</c>), with the facts it publishes about
    /// them (load: reservations, circuits, bytes/s). Set by the plugin that provides the service; read
    /// by whoever publishes this agent (the node directory's record, the Node annotations).
    /// </summary>
    IReadOnlyList<ServiceOffer> Offers { get; }

    /// <summary>Adds or replaces the offer of <see cref="ServiceOffer.Service"/>; raises <see cref="OffersChanged"/> when it differs.</summary>
    void SetOffer(ServiceOffer offer);

    /// <summary>Withdraws the offer of <paramref name="service"/> (no-op when absent); raises <see cref="OffersChanged"/> when there was one.</summary>
    void WithdrawOffer(string service);

    /// <summary>Raised after <see cref="Offers"/> changed (same rules as <see cref="AddressesChanged"/>).</summary>
    event Action? OffersChanged;

    /// <summary>The identity public key (<see cref="PublicKey.Protobuf"/> is libp2p's <c>PublicKey</c> protobuf).</summary>
    PublicKey PublicKey { get; }

    /// <summary>Signs <paramref name="data"/> with the identity key (Ed25519 over the bytes as given).</summary>
    byte[] Sign(ReadOnlySpan<byte> data);
}

/// <summary>A service this agent offers to other peers, and what it publishes about it.</summary>
/// <param name="Service">Service name, e.g. <c>relay</c> (the directory record's capability).</param>
/// <param name="Facts">
/// Small numeric facts for other agents' policies, e.g. <c>reservations</c>, <c>circuits</c>,
/// <c>bytesPerSecond</c> and <c>load</c> (0 = idle … 1 = full) for a relay. At most 16 entries with
/// names of at most 32 characters; publishers drop the rest.
/// </param>
public sealed record ServiceOffer(string Service, IReadOnlyDictionary<string, double> Facts)
{
    /// <summary>Value equality over the facts too, so an unchanged offer raises no event.</summary>
    public bool Equals(ServiceOffer? other) =>
        other is not null && Service == other.Service && Facts.Count == other.Facts.Count
        && Facts.All(kv => other.Facts.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value));

    /// <inheritdoc />
    public override int GetHashCode() => Service.GetHashCode(StringComparison.Ordinal);
}
