namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>Protocol ids and wire constants of Circuit Relay v2.</summary>
internal static class RelayProtocols
{
    public const string Hop = "/libp2p/circuit/relay/0.2.0/hop";
    public const string Stop = "/libp2p/circuit/relay/0.2.0/stop";

    /// <summary>Hop/stop messages are small; go and js cap them at 4 KiB, so anything larger is hostile.</summary>
    public const int MaxMessageSize = 4096;

    /// <summary>Signed-envelope domain of reservation vouchers.</summary>
    public const string VoucherDomain = "libp2p-relay-rsvp";

    /// <summary>Multicodec 0x0302 (<c>/libp2p/relay-rsvp</c>) as unsigned-varint bytes.</summary>
    public static ReadOnlySpan<byte> VoucherPayloadType => [0x82, 0x06];
}
