using System.Net.Sockets;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A connected TCP socket as a <see cref="IDuplexConnection"/>.</summary>
public sealed class SocketConnection(Socket socket) : IDuplexConnection
{
    /// <summary>The socket.</summary>
    public Socket Socket { get; } = socket;

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <inheritdoc />
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (data.Length > 0)
        {
            var n = await Socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[n..];
        }
    }

    /// <inheritdoc />
    public ValueTask CloseWriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The peer is already gone; the other direction will see it.
        }
        catch (ObjectDisposedException)
        {
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Abort()
    {
        try
        {
            // Linger 0 makes close send RST: the client sees a reset, never a hang or a clean EOF
            // that it could mistake for a complete answer.
            Socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        Socket.Dispose();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
