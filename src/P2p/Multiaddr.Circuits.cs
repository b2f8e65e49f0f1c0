namespace PluginMesh.P2p;

// Relay circuits: /<relay address>/p2p/<relay>/p2p-circuit/p2p/<target>.
public sealed partial class Multiaddr
{
    /// <summary>True for relay circuit addresses (any <c>/p2p-circuit</c> component).</summary>
    public bool IsRelayed => Array.Exists(_components, c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2pCircuit));

    /// <summary>Everything before the first <c>/p2p-circuit</c> (the relay's own address); null when not relayed or nothing precedes it.</summary>
    public Multiaddr? RelayAddress
    {
        get
        {
            var at = CircuitIndex();
            return at > 0 ? new Multiaddr(_components[..at]) : null;
        }
    }

    /// <summary>The relay's PeerId: the <c>/p2p/</c> component right before the first <c>/p2p-circuit</c>; null otherwise.</summary>
    public PeerId? RelayPeerId
    {
        get
        {
            var at = CircuitIndex();
            return at > 0 && ReferenceEquals(_components[at - 1].Protocol, MultiaddrProtocol.P2p) ? _components[at - 1].PeerId : null;
        }
    }

    /// <summary>The peer reached through the relay: the last <c>/p2p/</c> after <c>/p2p-circuit</c>; null when not relayed or none follows.</summary>
    public PeerId? TargetPeerId => IsRelayed ? PeerId : null;

    /// <summary>
    /// Splits a circuit address of exactly the form <c>&lt;relay address ending in /p2p/R&gt;/p2p-circuit/p2p/T</c>
    /// (the relay address may be just <c>/p2p/R</c>: the relay is then found by PeerId). False for anything else.
    /// </summary>
    public bool TryGetCircuit(out Multiaddr relayAddress, out PeerId relay, out PeerId target)
    {
        relayAddress = this;
        relay = null!;
        target = null!;
        var at = CircuitIndex();
        if (at <= 0 || at != _components.Length - 2) return false;
        if (!ReferenceEquals(_components[at - 1].Protocol, MultiaddrProtocol.P2p) || !ReferenceEquals(_components[^1].Protocol, MultiaddrProtocol.P2p)) return false;
        relayAddress = new Multiaddr(_components[..at]);
        relay = _components[at - 1].PeerId!;
        target = _components[^1].PeerId!;
        return true;
    }

    /// <summary>The circuit address of <paramref name="target"/> through <paramref name="relay"/> (which should end in <c>/p2p/&lt;relay&gt;</c>).</summary>
    public static Multiaddr Circuit(Multiaddr relay, PeerId target)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(target);
        return relay.Encapsulate(MultiaddrComponent.Of(MultiaddrProtocol.P2pCircuit)).Encapsulate(MultiaddrComponent.Of(target));
    }

    private int CircuitIndex() => Array.FindIndex(_components, c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2pCircuit));
}
