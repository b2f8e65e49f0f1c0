namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>Framed datagrams over an inbound tunnel stream the host owns.</summary>
public sealed class BorrowedFramedChannel(IMeshStream stream)
{
    private readonly byte[] _header = new byte[2];

    /// <summary>Sends one datagram.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        DatagramFraming.WriteAsync(stream.Stream, datagram, cancellationToken);

    /// <summary>Receives one datagram into a pooled buffer (the caller returns it); null at end of stream.</summary>
    public ValueTask<PooledDatagram?> ReceiveAsync(CancellationToken cancellationToken) =>
        DatagramFraming.ReadAsync(stream.Stream, _header, cancellationToken);
}
