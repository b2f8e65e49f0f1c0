namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

internal static partial class AutoNatLog
{
    [LoggerMessage(EventId = 4401, Level = LogLevel.Debug, Message = "autonat: answered {Peer} with {Status}: {Text}")]
    public static partial void Answered(ILogger logger, string peer, string status, string text);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Debug, Message = "autonat: probe via {Peer} gave {Result}")]
    public static partial void Probed(ILogger logger, string peer, string result);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Debug, Message = "autonat: round with {Public} public and {Private} private answers → {Reachability}")]
    public static partial void Round(ILogger logger, int @public, int @private, string reachability);
}
