using PluginMesh.P2p;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>What mDNS reads off a multiaddr (the core does the parsing): the PeerId of its last <c>/p2p/</c> component.</summary>
internal static class MdnsAddresses
{
    /// <summary>The PeerId of the last <c>/p2p/</c> (or legacy <c>/ipfs/</c>) component, or null.</summary>
    public static PeerId? LastPeerId(Multiaddr address) =>
        address.Components.LastOrDefault(c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2p))?.PeerId;

    /// <summary>A multiaddr that ends with <c>/p2p/&lt;id&gt;</c>: the one shape a <c>dnsaddr=</c> string may have.</summary>
    public static bool EndsWithPeerId(Multiaddr address) => ReferenceEquals(address.Components[^1].Protocol, MultiaddrProtocol.P2p);

    /// <summary>
    /// Why a LAN neighbour cannot reach us at <paramref name="address"/>, or null when it may: loopback
    /// and unspecified addresses lead a neighbour back to itself, and link-local ones are shared by
    /// every node (the agent's own DNS address 169.254.96.16) or need an interface scope a multiaddr
    /// does not carry (fe80::/10).
    /// </summary>
    public static string? NotForNeighbours(Multiaddr address) =>
        address.IsLoopback ? "a loopback address leads a neighbour to itself"
        : address.IsUnspecified ? "an unspecified address is not dialable"
        : address.IsLinkLocal ? "a link-local address (169.254.0.0/16, fe80::/10) is not this node's alone"
        : null;
}
