namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A tunnel stream as a <see cref="IDuplexConnection"/>.</summary>
public sealed class MeshStreamConnection(IMeshStream stream) : IDuplexConnection
{
    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        stream.Stream.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await stream.Stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stream.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => stream.CloseWriteAsync(cancellationToken);

    /// <inheritdoc />
    public void Abort() => stream.Reset();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
