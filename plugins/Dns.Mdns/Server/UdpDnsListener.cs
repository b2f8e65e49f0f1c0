namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>
/// Serves DNS over one UDP socket with several receive loops. Each loop owns its buffers, so a
/// cluster-name query costs no allocation; a query that needs an upstream (and was admitted: see
/// <see cref="Forwarding.ForwardAdmission"/>) continues on its own task and the loop moves on.
/// </summary>
internal sealed class UdpDnsListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly DnsQueryHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];

    public UdpDnsListener(Socket socket, DnsQueryHandler handler, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _handler = handler;
        _time = time;
        _logger = logger;
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Starts <paramref name="loops"/> receive loops.</summary>
    public void Start(int loops) =>
        _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(() => ReceiveLoopAsync(_stop.Token))).ToArray();

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var request = new byte[DnsLimits.MaxMessageLength];
        var response = new byte[DnsQueryHandler.ResponseBufferSize];
        var remote = new SocketAddress(_socket.AddressFamily);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveFromAsync(request, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue; // e.g. ICMP errors reported on the socket; the next datagram is unaffected
            }

            var start = _time.GetTimestamp();
            QueryResult result;
            int length;
            DnsQuery query;
            try
            {
                result = _handler.Handle(request.AsSpan(0, received), response, udp: true, start, remote, out length, out query);
            }
#pragma warning disable CA1031 // one bad packet must never stop the listener
            catch (Exception ex)
#pragma warning restore CA1031
            {
                DnsLog.HandlerFailed(_logger, ex);
                continue;
            }

            if (result == QueryResult.Upstream)
            {
                var copy = new SocketAddress(remote.Family, remote.Size);
                remote.Buffer.CopyTo(copy.Buffer);
                _ = ForwardAndReplyAsync(query, copy, start, cancellationToken);
                continue;
            }
            if (length == 0) continue;
            try
            {
                await _socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The client vanished; UDP has nobody to tell.
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
    }

    private async Task ForwardAndReplyAsync(DnsQuery query, SocketAddress remote, long start, CancellationToken cancellationToken)
    {
        // Sized to what the client accepts over UDP (512 to 4 096 bytes usually), not the 64 KiB a TCP answer may need.
        var buffer = ArrayPool<byte>.Shared.Rent(query.MaxUdpResponse);
        try
        {
            var (length, _) = await _handler.ForwardAsync(query, buffer, udp: true, start, cancellationToken).ConfigureAwait(false);
            await _socket.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
#pragma warning disable CA1031 // a failed forward must not take the process down with an unobserved task
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DnsLog.HandlerFailed(_logger, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }
}
