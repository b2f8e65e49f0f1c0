namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

internal static partial class MeshLog
{
    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "libp2p path to {Target} via {Path} failed ({Reason}); policy says {Action}")]
    public static partial void PathFailed(ILogger logger, string target, string path, string reason, string action);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "libp2p failover policy failed, using the default: {Reason}")]
    public static partial void PolicyFailed(ILogger logger, string reason);
}
