namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;

internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "[tunnel.libp2p] daemon request {Type} failed: {Reason}")]
    public static partial void RequestFailed(ILogger logger, ulong type, string reason);

    [LoggerMessage(EventId = 901, Level = LogLevel.Debug, Message = "[tunnel.libp2p] daemon client connection ended: {Reason}")]
    public static partial void ClientGone(ILogger logger, string reason);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "[tunnel.libp2p] daemon stream handler for {Protocol}: callback {Target} unreachable ({Reason}); the stream is reset")]
    public static partial void CallbackFailed(ILogger logger, string protocol, string target, string reason);
}
