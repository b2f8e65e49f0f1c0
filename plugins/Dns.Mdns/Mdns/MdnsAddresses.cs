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
}
