namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>An inbound tunnel stream the host owns: used for splicing, not disposed by us.</summary>
public sealed class BorrowedStreamConnection(IMeshStream stream) : IDuplexConnection
{
    private readonly MeshStreamConnection _inner = new(stream);

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _inner.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _inner.WriteAsync(data, cancellationToken);

    /// <inheritdoc />
    public ValueTask CloseWriteAsync(CancellationToken cancellationToken) => _inner.CloseWriteAsync(cancellationToken);

    /// <inheritdoc />
    public void Abort() => _inner.Abort();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
