namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>Circuit Relay v2 <c>Status</c>.</summary>
internal enum Status
{
    Unused = 0,
    Ok = 100,
    ReservationRefused = 200,
    ResourceLimitExceeded = 201,
    PermissionDenied = 202,
    ConnectionFailed = 203,
    NoReservation = 204,
    MalformedMessage = 400,
    UnexpectedMessage = 401,
}
