using System.IO.Pipelines;

namespace PluginMesh.Plugins.Proxy.Socks5.Forwarding;

/// <summary>
/// One end of a relayed connection: a TCP socket or a tunnel stream, read through a pipe (pooled
/// segments; whatever the SOCKS handshake left buffered is read first), written as a stream.
/// </summary>
/// <remarks>One reader and one writer at a time. <see cref="Abort"/> may be called from either.</remarks>
internal sealed class RelayEnd : IAsyncDisposable
{
    /// <summary>Read size of the pipe: large enough that bulk data moves in few writes.</summary>
    public const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly Func<ValueTask> _closeWrite;
    private readonly Action _abort;
    private readonly Func<ValueTask> _dispose;

    private RelayEnd(Stream stream, Func<ValueTask> closeWrite, Action abort, Func<ValueTask> dispose)
    {
        _stream = stream;
        _closeWrite = closeWrite;
        _abort = abort;
        _dispose = dispose;
        Reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: BufferSize, minimumReadSize: 4096, leaveOpen: true));
    }

    /// <summary>Bytes arriving from this end.</summary>
    public PipeReader Reader { get; }

    /// <summary>A connected socket; disposing the end closes it (abortively unless both directions ended cleanly, see <see cref="Relay"/>).</summary>
    public static RelayEnd Of(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return new RelayEnd(new NetworkStream(socket, ownsSocket: false),
            () =>
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Already gone: the other direction sees it.
                }
                return ValueTask.CompletedTask;
            },
            () => Reset(socket),
            () =>
            {
                socket.Dispose();
                return ValueTask.CompletedTask;
            });
    }

    /// <summary>A tunnel stream; disposing the end disposes it only when <paramref name="owned"/> (a handler's stream belongs to the host).</summary>
    public static RelayEnd Of(IMeshStream stream, bool owned)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new RelayEnd(stream.Stream, () => stream.CloseWriteAsync(), stream.Reset, owned ? stream.DisposeAsync : () => ValueTask.CompletedTask);
    }

    /// <summary>Writes all of <paramref name="data"/>.</summary>
    public async ValueTask WriteAsync(ReadOnlySequence<byte> data, CancellationToken cancellationToken)
    {
        foreach (var segment in data)
            await _stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes all of <paramref name="data"/> (replies of the handshake).</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Half-closes: the far side reads end of stream.</summary>
    public ValueTask CloseWriteAsync() => _closeWrite();

    /// <summary>Ends both directions at once: a TCP reset, or a stream reset.</summary>
    public void Abort() => _abort();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Reader.CompleteAsync().ConfigureAwait(false);
        await _dispose().ConfigureAwait(false);
    }

    /// <summary>Closes <paramref name="socket"/> with a reset (linger 0), never a FIN a client could take for a complete answer.</summary>
    public static void Reset(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }
}
