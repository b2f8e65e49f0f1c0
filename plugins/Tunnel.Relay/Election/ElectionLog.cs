using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Tunnel.Relay.Election;

internal static partial class ElectionLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "[tunnel.relay] relay election: {Decision} ({Cause}: {Reason})")]
    public static partial void Decided(ILogger logger, string decision, string cause, string reason);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "[tunnel.relay] relay election round failed")]
    public static partial void RoundFailed(ILogger logger, Exception error);
}
