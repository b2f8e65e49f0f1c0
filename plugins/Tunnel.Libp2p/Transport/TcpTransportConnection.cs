namespace PluginMesh.Plugins.Tunnel.Libp2p.Transport;

/// <summary>A raw TCP connection handed out by <see cref="TcpMeshTransport"/>; disposing closes the socket.</summary>
internal sealed class TcpTransportConnection(Socket socket) : ITransportConnection
{
    public Stream Stream { get; } = new NetworkStream(socket, ownsSocket: true);

    public Multiaddr LocalAddress { get; } = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);

    public Multiaddr RemoteAddress { get; } = Multiaddr.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
