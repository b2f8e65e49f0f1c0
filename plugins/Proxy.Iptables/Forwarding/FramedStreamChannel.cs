namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A tunnel stream carrying length-framed datagrams as a <see cref="IDatagramChannel"/>.</summary>
public sealed class FramedStreamChannel(IMeshStream stream) : IDatagramChannel
{
    private readonly byte[] _scratch = new byte[DatagramFraming.MaxPayload + 2];

    /// <inheritdoc />
    public ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        DatagramFraming.WriteAsync(stream.Stream, datagram, _scratch, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        DatagramFraming.ReadAsync(stream.Stream, buffer, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
