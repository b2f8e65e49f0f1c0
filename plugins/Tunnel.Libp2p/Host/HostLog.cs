namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

internal static partial class HostLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "libp2p listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "libp2p connection {Direction} {Peer} at {Address}")]
    public static partial void Connected(ILogger logger, string direction, string peer, string address);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "libp2p inbound upgrade from {Address} failed: {Reason}")]
    public static partial void InboundUpgradeFailed(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "libp2p inbound stream from {Peer} failed negotiation: {Reason}")]
    public static partial void StreamNegotiationFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "libp2p handler for {Protocol} from {Peer} failed: {Reason}")]
    public static partial void HandlerFailed(ILogger logger, string protocol, string peer, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "libp2p identify with {Peer} failed: {Reason}")]
    public static partial void IdentifyFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "libp2p connection to {Peer} closed: {Reason}")]
    public static partial void Disconnected(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "libp2p refused inbound connection from {Address}: limit of {Limit} connections reached")]
    public static partial void ConnectionLimit(ILogger logger, string address, int limit);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "libp2p closing idle connection to {Peer}")]
    public static partial void IdleClose(ILogger logger, string peer);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "libp2p accept on {Address} failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "libp2p refused inbound connection from {Peer} at {Address}: limit of {Limit} connections per peer reached")]
    public static partial void PeerConnectionLimit(ILogger logger, string peer, string address, int limit);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Debug, Message = "libp2p duplicate connection to {Peer} at {Address} retired in favour of the one at {Survivor}; it closes once its streams finish")]
    public static partial void DuplicateRetired(ILogger logger, string peer, string address, string survivor);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Debug, Message = "libp2p connection to {Peer} at {Address} back in use: the connection it was retired for closed")]
    public static partial void DuplicateResumed(ILogger logger, string peer, string address);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "open mesh: no pskFile is set, so anyone who reaches {Address} and completes a Noise handshake joins this mesh (relay, directory, tunnel); set plugins.tunnel.libp2p.pskFile to a swarm key shared by the agents (pluginmesh keygen --psk <file>) to make it private")]
    public static partial void OpenMesh(ILogger logger, string address);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Warning, Message = "swarm key file {Path} has mode {Mode}: group or others may read the private network key; fix it with `chmod 600 {Path}` (and replace the key on every agent if others may have read it)")]
    public static partial void SharedSwarmKey(ILogger logger, string path, string mode);
}
