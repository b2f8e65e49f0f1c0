namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

internal static partial class HopLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "[tunnel.relay] hop service {State}")]
    public static partial void HopState(ILogger logger, string state);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "[tunnel.relay] reservation for {Peer} until {Expires} (member: {Member})")]
    public static partial void Reserved(ILogger logger, string peer, DateTimeOffset expires, bool member);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "[tunnel.relay] refused {Request} from {Peer}: {Status} ({Reason})")]
    public static partial void Refused(ILogger logger, string request, string peer, string status, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "[tunnel.relay] circuit {Source} -> {Target} ended: {Outcome}, {Bytes} bytes")]
    public static partial void CircuitEnded(ILogger logger, string source, string target, string outcome, long bytes);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "[tunnel.relay] circuit {Source} -> {Target} reached its outsider limit, but both are members now: it goes on under the member limits")]
    public static partial void CircuitUpgraded(ILogger logger, string source, string target);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "[tunnel.relay] hop service not offered: {Detail}")]
    public static partial void HopUnavailable(ILogger logger, string detail);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "[tunnel.relay] hop stream from {Peer} failed")]
    public static partial void HopFailed(ILogger logger, string peer, Exception error);
}
