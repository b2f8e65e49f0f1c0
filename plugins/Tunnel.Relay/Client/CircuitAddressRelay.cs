namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>A relay to talk to: its address (ending in <c>/p2p/&lt;relay&gt;</c>) and the tunnel target for it.</summary>
/// <param name="Address">Relay multiaddr, or just <c>/p2p/&lt;relay&gt;</c>.</param>
/// <param name="PeerId">Relay PeerId.</param>
internal sealed record CircuitAddressRelay(Multiaddr Address, PeerId PeerId)
{
    /// <summary>True when the address is only <c>/p2p/&lt;relay&gt;</c>: the tunnel finds the relay by PeerId.</summary>
    public bool IsBarePeerId => Address.Components.Count == 1;

    /// <summary>More addresses of the same relay, tried after <see cref="Address"/> (a directory record lists several).</summary>
    public IReadOnlyList<Multiaddr> Alternatives { get; init; } = [];

    /// <summary>
    /// Prefers an existing direct connection (by PeerId), else dials the address, then the alternatives;
    /// never through another relay (the relay refuses hop requests over a relayed connection).
    /// </summary>
    public PeerTarget Target => IsBarePeerId
        ? new PeerTarget(PeerId: PeerId, DirectOnly: true)
        : new PeerTarget(PeerId: PeerId, Addresses: [Address, .. Alternatives], DirectOnly: true);

    /// <summary>A relay multiaddr that ends in <c>/p2p/&lt;relay&gt;</c> and is not itself a circuit.</summary>
    public static bool TryParse(Multiaddr? address, out CircuitAddressRelay? relay)
    {
        relay = null;
        if (address is null || address.IsRelayed || !ReferenceEquals(address.Components[^1].Protocol, MultiaddrProtocol.P2p)) return false;
        relay = new CircuitAddressRelay(address, address.PeerId!);
        return true;
    }

    /// <summary>As <see cref="TryParse(Multiaddr?, out CircuitAddressRelay?)"/> from text (config entries).</summary>
    public static bool TryParse(string? text, out CircuitAddressRelay? relay)
    {
        relay = null;
        return Multiaddr.TryParse(text, out var address) && TryParse(address, out relay);
    }
}
