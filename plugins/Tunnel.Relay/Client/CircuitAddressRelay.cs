using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>A relay to talk to: its address (ending in <c>/p2p/&lt;relay&gt;</c>) and the tunnel target for it.</summary>
/// <param name="Address">Relay multiaddr, or just <c>/p2p/&lt;relay&gt;</c>.</param>
/// <param name="PeerId">Relay PeerId.</param>
internal sealed record CircuitAddressRelay(string Address, string PeerId)
{
    /// <summary>Prefers an existing connection (by PeerId), else dials the address.</summary>
    public PeerTarget Target => Address.StartsWith("/p2p/", StringComparison.Ordinal)
        ? new PeerTarget(PeerId: PeerId)
        : new PeerTarget(PeerId: PeerId, Addresses: [Address]);

    /// <summary>Parses a relay multiaddr that ends in <c>/p2p/&lt;relay&gt;</c>.</summary>
    public static bool TryParse(string text, out CircuitAddressRelay? relay)
    {
        relay = null;
        var parts = text.TrimEnd('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || parts[^2] != "p2p" || PeerIds.ToBytes(parts[^1]) is null || text.Contains("/p2p-circuit", StringComparison.Ordinal)) return false;
        relay = new CircuitAddressRelay(text.TrimEnd('/'), parts[^1]);
        return true;
    }
}
