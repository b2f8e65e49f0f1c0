namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>Framed datagrams over an inbound tunnel stream the host owns.</summary>
public sealed class BorrowedFramedChannel(IMeshStream stream)
{
    private readonly byte[] _scratch = new byte[DatagramFraming.MaxPayload + 2];

    /// <summary>Sends one datagram.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        DatagramFraming.WriteAsync(stream.Stream, datagram, _scratch, cancellationToken);

    /// <summary>Receives one datagram; -1 at end of stream.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        DatagramFraming.ReadAsync(stream.Stream, buffer, cancellationToken);
}
