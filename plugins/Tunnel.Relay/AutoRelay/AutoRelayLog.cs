using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Tunnel.Relay.AutoRelay;

internal static partial class AutoRelayLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "[tunnel.relay] relay {Relay} lost ({Reason}); reserving elsewhere")]
    public static partial void RelayLost(ILogger logger, string relay, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "[tunnel.relay] failover done in {Milliseconds} ms: {Held} reservations")]
    public static partial void FailoverDone(ILogger logger, double milliseconds, int held);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "[tunnel.relay] autorelay round failed")]
    public static partial void RoundFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "[tunnel.relay] moved a reservation from {Loaded} (load {Load}) to {Better} (load {BetterLoad})")]
    public static partial void Rebalanced(ILogger logger, string loaded, double load, string better, double betterLoad);
}
