namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>One side of a spliced TCP connection: a socket or a tunnel stream. One reader and one writer at a time.</summary>
public interface IDuplexConnection : IAsyncDisposable
{
    /// <summary>Reads into <paramref name="buffer"/>; 0 at end of stream.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="data"/>.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Half-closes the write side (the peer reads end of stream).</summary>
    ValueTask CloseWriteAsync(CancellationToken cancellationToken);

    /// <summary>Aborts both directions (TCP reset).</summary>
    void Abort();
}
