namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A connected TCP socket as a <see cref="IDuplexConnection"/>.</summary>
/// <remarks>
/// Until <see cref="EndedCleanly"/>, the socket lingers 0 s (<c>SO_LINGER {1, 0}</c>), so any close
/// resets the connection. That includes the close the kernel does when the agent dies (SIGKILL, OOM
/// kill): without it the kernel would send a FIN, and a client mid-answer would read a clean end
/// of stream that it could take for a complete response. A connection whose both directions ended
/// cleanly gets its normal close back (FIN, unsent data delivered).
/// </remarks>
public sealed class SocketConnection : IDuplexConnection
{
    /// <summary>Wraps <paramref name="socket"/>, making its close abortive until <see cref="EndedCleanly"/>.</summary>
    public SocketConnection(Socket socket)
        : this(socket, abortiveAlready: false)
    {
    }

    /// <summary>
    /// Wraps <paramref name="socket"/>; with <paramref name="abortiveAlready"/> its close is known to be
    /// abortive already (accepted from a listener set up by <see cref="PrepareListener"/>), which
    /// saves a system call per connection.
    /// </summary>
    public SocketConnection(Socket socket, bool abortiveAlready)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Socket = socket;
        if (!abortiveAlready) SetLinger(abortive: true);
    }

    /// <summary>
    /// Sets <c>SO_LINGER {1, 0}</c> and <c>TCP_NODELAY</c> on a listening socket: Linux copies both
    /// to every socket it accepts, so a connection starts abortive and without Nagle at no cost
    /// (two <c>setsockopt</c> calls less per connection).
    /// </summary>
    public static void PrepareListener(Socket listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        listener.NoDelay = true;
        listener.LingerState = new LingerOption(true, 0);
    }

    /// <summary>The socket.</summary>
    public Socket Socket { get; }

    /// <summary>Both directions ended cleanly: closing now sends a FIN, not a reset.</summary>
    public void EndedCleanly() => SetLinger(abortive: false);

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
        // Linger 0 makes close send RST: the client sees a reset, never a hang or a clean EOF
        // that it could mistake for a complete answer.
        SetLinger(abortive: true);
        Socket.Dispose();
    }

    private void SetLinger(bool abortive)
    {
        try
        {
            Socket.LingerState = new LingerOption(abortive, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to choose.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
