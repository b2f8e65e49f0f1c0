using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>
/// An <see cref="IMeshStream"/> over one end of a loopback TCP pair: real half-close (shutdown) and
/// real reset (linger 0), which is what a libp2p stream promises.
/// </summary>
public sealed class SocketMeshStream(Socket socket, string remoteNode) : IMeshStream
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);

    public string Protocol => "/pluginmesh/tunnel/1.0.0";

    public RemotePeer Remote { get; } = new(FakeTunnelNetwork.PeerOf(remoteNode), remoteNode, PathKind.Direct, PluginMesh.P2p.Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));

    public Stream Stream => _stream;

    public ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        return ValueTask.CompletedTask;
    }

    public void Reset()
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        _stream.Dispose();
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    /// <summary>A connected pair: (initiator end, responder end).</summary>
    public static async Task<(SocketMeshStream A, SocketMeshStream B)> PairAsync(string nodeA, string nodeB)
    {
        var (a, b) = await SocketPair.SocketsAsync();
        return (new SocketMeshStream(a, nodeB), new SocketMeshStream(b, nodeA));
    }
}
