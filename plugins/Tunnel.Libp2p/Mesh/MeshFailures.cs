namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>Maps expected network outcomes to <see cref="TunnelFailure"/> values for policies.</summary>
public static class MeshFailures
{
    /// <summary>The failure an exception stands for; null for bugs (left to propagate).</summary>
    public static TunnelFailure? Classify(Exception e) => e switch
    {
        TunnelException t => t.Failure,
        MultistreamException { ProtocolNotSupported: true } => TunnelFailure.ProtocolNotSupported,
        YamuxException { LimitExceeded: true } => TunnelFailure.LimitExceeded,
        YamuxException { WasReset: true } => TunnelFailure.Reset,
        NoiseException or MultistreamException => TunnelFailure.Handshake,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => TunnelFailure.Refused,
        SocketException { SocketErrorCode: SocketError.TimedOut } => TunnelFailure.Timeout,
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => TunnelFailure.Unresolved,
        SocketException => TunnelFailure.Refused,
        OperationCanceledException or TimeoutException => TunnelFailure.Timeout,
        IOException => TunnelFailure.Reset,
        _ => null,
    };

    /// <summary>The failover policy's reason word for a failure.</summary>
    public static string Reason(TunnelFailure failure) => failure switch
    {
        TunnelFailure.Refused => "refused",
        TunnelFailure.Timeout => "timeout",
        TunnelFailure.Reset => "reset",
        TunnelFailure.Unresolved => "unreachable",
        TunnelFailure.Handshake => "handshake",
        TunnelFailure.RelayRefused => "relay-refused",
        TunnelFailure.LimitExceeded => "limit",
        _ => "other",
    };
}
