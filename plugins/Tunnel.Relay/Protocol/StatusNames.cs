namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>The spec's names of the Circuit Relay v2 <c>Status</c> values, as metrics, logs and errors show them.</summary>
internal static class StatusNames
{
    /// <summary><c>RESERVATION_REFUSED</c> for <see cref="Status.ReservationRefused"/> and so on (circuit.proto's names).</summary>
    public static string Wire(Status status) => status switch
    {
        Status.Unused => "UNUSED",
        Status.Ok => "OK",
        Status.ReservationRefused => "RESERVATION_REFUSED",
        Status.ResourceLimitExceeded => "RESOURCE_LIMIT_EXCEEDED",
        Status.PermissionDenied => "PERMISSION_DENIED",
        Status.ConnectionFailed => "CONNECTION_FAILED",
        Status.NoReservation => "NO_RESERVATION",
        Status.MalformedMessage => "MALFORMED_MESSAGE",
        Status.UnexpectedMessage => "UNEXPECTED_MESSAGE",
        // A value this build does not know (a newer peer): its number, never a made-up name.
        _ => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
