namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>PeerId text ↔ multihash bytes (the form inside <c>Peer.id</c> and vouchers).</summary>
internal static class PeerIds
{
    /// <summary>Multihash bytes of a base58btc PeerId, or null when it is not one.</summary>
    public static byte[]? ToBytes(string peerId) =>
        Base58.TryDecode(peerId, out var bytes) && IsMultihash(bytes) ? bytes : null;

    /// <summary>Text form of multihash bytes, or null when they are not a plausible multihash.</summary>
    public static string? FromBytes(ReadOnlySpan<byte> multihash) => IsMultihash(multihash) ? Base58.Encode(multihash) : null;

    // identity (0x00) with the key protobuf inline, or sha2-256 (0x12 0x20); both carry their length.
    private static bool IsMultihash(ReadOnlySpan<byte> b) =>
        b.Length >= 3 && (b[0] == 0x00 || b[0] == 0x12) && b[1] == b.Length - 2;
}
