namespace PluginMesh.Plugins.Tunnel.Libp2p.Network;

internal static partial class NetworkLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "libp2p reachability is now {Reachability}")]
    public static partial void ReachabilityChanged(ILogger logger, string reachability);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "libp2p first ping to {Peer} failed: {Reason}")]
    public static partial void PingFailed(ILogger logger, string peer, string reason);
}
