namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A connected upstream: a socket (local/direct) or a tunnel stream (past its header exchange).</summary>
/// <param name="Backend">The endpoint reached.</param>
/// <param name="Path">How.</param>
/// <param name="Socket">The socket for local/direct paths.</param>
/// <param name="Stream">The tunnel stream for the tunnel path.</param>
public sealed record DialResult(Backend Backend, ProxyPath Path, Socket? Socket, IMeshStream? Stream)
{
    /// <summary>The TCP upstream as a duplex connection (owning the socket or stream).</summary>
    public IDuplexConnection ToConnection() => Socket is { } s ? new SocketConnection(s) : new MeshStreamConnection(Stream!);
}
