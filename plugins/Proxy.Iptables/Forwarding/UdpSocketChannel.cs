using System.Buffers;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>A connected UDP socket as a <see cref="IDatagramChannel"/>.</summary>
public sealed class UdpSocketChannel(Socket socket) : IDatagramChannel
{
    /// <summary>Largest UDP payload over IPv4 or IPv6 (what a receive buffer must hold).</summary>
    public const int MaxDatagram = 65535;

    // Cancels a receive that would wait (see ReceiveAsync); reused while receives complete at once.
    private CancellationTokenSource? _attempt;
    private CancellationToken _attemptFor;

    /// <inheritdoc />
    public async ValueTask SendAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken) =>
        await socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>
    /// While datagrams are queued the receive completes at once into the rented buffer (one system
    /// call, as before). When it would wait, it is cancelled — nothing is taken by a cancelled receive —,
    /// the buffer goes back to the pool, and the session waits with a zero-byte receive (a peek: the
    /// datagram stays queued) before it rents again. A stale readiness only means one receive waits
    /// holding the buffer.
    /// </remarks>
    public async ValueTask<PooledDatagram?> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            byte[]? buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
            try
            {
                if (_attempt is null || _attemptFor != cancellationToken)
                {
                    _attempt?.Dispose();
                    _attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    _attemptFor = cancellationToken;
                }
                var receive = socket.ReceiveAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, _attempt.Token);
                if (!receive.IsCompleted)
                {
                    // Nothing queued: do not wait on 64 KiB.
                    await _attempt.CancelAsync().ConfigureAwait(false);
                    _attempt.Dispose();
                    _attempt = null;
                    try
                    {
                        var raced = await receive.ConfigureAwait(false);
                        return Take(ref buffer, raced);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                    }
                    ArrayPool<byte>.Shared.Return(buffer!);
                    buffer = null;
                    await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                return Take(ref buffer, await receive.ConfigureAwait(false));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // An ICMP port-unreachable for an earlier datagram: UDP is lossy by contract, keep
                // the session so a backend that comes back is reached again.
            }
            finally
            {
                if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        static PooledDatagram Take(ref byte[]? buffer, int length)
        {
            var datagram = new PooledDatagram(buffer!, length);
            buffer = null;
            return datagram;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _attempt?.Dispose();
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
