namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A connected UDP socket as a <see cref="IDatagramChannel"/>.</summary>
public sealed class UdpSocketChannel(Socket socket) : IDatagramChannel
{
    /// <inheritdoc />
    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        await socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // An ICMP port-unreachable for an earlier datagram: UDP is lossy by contract, keep
                // the session so a backend that comes back is reached again.
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
