namespace PluginMesh.Plugins.Tunnel.Relay.Client;

internal static partial class ClientLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "[tunnel.relay] reserved on {Relay} until {Expires}")]
    public static partial void Reserved(ILogger logger, string relay, DateTimeOffset expires);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "[tunnel.relay] reservation on {Relay} failed: {Reason}")]
    public static partial void ReserveFailed(ILogger logger, string relay, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "[tunnel.relay] reservation on {Relay} dropped")]
    public static partial void Dropped(ILogger logger, string relay);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "[tunnel.relay] refused inbound circuit from relay {Relay}: {Reason}")]
    public static partial void StopRefused(ILogger logger, string relay, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "[tunnel.relay] inbound circuit from {Source} via {Relay} failed to upgrade")]
    public static partial void StopUpgradeFailed(ILogger logger, string source, string relay, Exception error);
}
