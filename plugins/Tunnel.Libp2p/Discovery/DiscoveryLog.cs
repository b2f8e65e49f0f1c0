using Microsoft.Extensions.Logging;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Discovery;

internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 4301, Level = LogLevel.Information, Message = "libp2p discovered {Peer} via {Source}, connected over {Address}")]
    public static partial void Connected(ILogger logger, string peer, string source, string address);

    [LoggerMessage(EventId = 4302, Level = LogLevel.Warning, Message = "libp2p ignoring {Peer} (from {Source}) until its announcement changes: {Reason}")]
    public static partial void Ignored(ILogger logger, string peer, string source, string reason);

    [LoggerMessage(EventId = 4303, Level = LogLevel.Debug, Message = "libp2p could not connect to discovered {Peer} (from {Source}): {Reason}")]
    public static partial void Failed(ILogger logger, string peer, string source, string reason);

    [LoggerMessage(EventId = 4304, Level = LogLevel.Information, Message = "libp2p not dialing {Address} of {Peer} (from {Source}) again until its announcement changes: {Reason}")]
    public static partial void AddressDropped(ILogger logger, string address, string peer, string source, string reason);
}
