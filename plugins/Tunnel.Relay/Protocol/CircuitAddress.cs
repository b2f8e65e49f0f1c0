namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>
/// A relayed address <c>/…/p2p/&lt;relay&gt;/p2p-circuit/p2p/&lt;target&gt;</c> split into the relay's
/// own address (what the tunnel dials), the relay id and the target id.
/// </summary>
/// <param name="RelayAddress">Everything before <c>/p2p-circuit</c>, ending in <c>/p2p/&lt;relay&gt;</c>.</param>
/// <param name="RelayPeerId">The relay's PeerId.</param>
/// <param name="TargetPeerId">The peer reached through it.</param>
internal sealed record CircuitAddress(string RelayAddress, string RelayPeerId, string TargetPeerId)
{
    private const string Marker = "/p2p-circuit";

    public override string ToString() => $"{RelayAddress}{Marker}/p2p/{TargetPeerId}";

    /// <summary>Builds the circuit address of <paramref name="target"/> through a relay address ending in <c>/p2p/&lt;relay&gt;</c>.</summary>
    public static string For(string relayAddress, string target) => $"{relayAddress}{Marker}/p2p/{target}";

    public static bool TryParse(string? text, out CircuitAddress? address)
    {
        address = null;
        if (text is null) return false;
        var at = text.IndexOf(Marker + "/", StringComparison.Ordinal);
        if (at <= 0) return false;
        var relayPart = text[..at];
        var rest = text[(at + Marker.Length)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length != 2 || rest[0] != "p2p" || PeerIds.ToBytes(rest[1]) is null) return false;
        var relayParts = relayPart.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // A bare "/p2p/<relay>" is allowed: the tunnel then finds the relay by PeerId.
        if (relayParts.Length < 2 || relayParts[^2] != "p2p" || PeerIds.ToBytes(relayParts[^1]) is null) return false;
        address = new CircuitAddress(relayPart, relayParts[^1], rest[1]);
        return true;
    }
}
