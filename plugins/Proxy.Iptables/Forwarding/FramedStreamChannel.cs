namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A tunnel stream carrying length-framed datagrams as a <see cref="IDatagramChannel"/>.</summary>
/// <param name="stream">The stream.</param>
/// <param name="ownsStream">False for an inbound stream the host owns: disposing the channel leaves it alone.</param>
public sealed class FramedStreamChannel(IMeshStream stream, bool ownsStream = true) : IDatagramChannel
{
    private readonly byte[] _header = new byte[2];

    /// <inheritdoc />
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        DatagramFraming.WriteAsync(stream.Stream, datagram, cancellationToken);

    /// <inheritdoc />
    public ValueTask<PooledDatagram?> ReceiveAsync(CancellationToken cancellationToken) =>
        DatagramFraming.ReadAsync(stream.Stream, _header, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ownsStream ? stream.DisposeAsync() : ValueTask.CompletedTask;
}
