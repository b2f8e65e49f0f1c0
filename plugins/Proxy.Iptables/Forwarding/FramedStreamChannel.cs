namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A tunnel stream carrying length-framed datagrams as a <see cref="IDatagramChannel"/>.</summary>
public sealed class FramedStreamChannel(IMeshStream stream) : IDatagramChannel
{
    private readonly byte[] _header = new byte[2];

    /// <inheritdoc />
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        DatagramFraming.WriteAsync(stream.Stream, datagram, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PooledDatagram?> ReceiveAsync(CancellationToken cancellationToken) =>
        DatagramFraming.ReadAsync(stream.Stream, _header, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
