namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

internal static partial class YamuxLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "yamux session {Session} closed: {Reason}")]
    public static partial void SessionClosed(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "yamux session {Session}: inbound stream {StreamId} reset, limit of {Limit} streams reached (rejected so far: {Rejected})")]
    public static partial void StreamRejected(ILogger logger, string session, uint streamId, int limit, long rejected);

    // Debug: a flood would otherwise write one warning per stream; metrics and status count them.
    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "yamux session {Session}: inbound stream {StreamId} reset, the host receive budget of {Cap} bytes is committed (rejected so far: {Rejected})")]
    public static partial void StreamOverBudget(ILogger logger, string session, uint streamId, long cap, long rejected);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "yamux session {Session}: protocol error: {Reason}")]
    public static partial void ProtocolError(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "yamux session {Session}: received GoAway code {Code}")]
    public static partial void GoAwayReceived(ILogger logger, string session, uint code);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "yamux session {Session}: draining (GoAway sent, open streams finish first)")]
    public static partial void Draining(ILogger logger, string session);
}
