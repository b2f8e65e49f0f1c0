namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>
/// Serves DNS over TCP (RFC 7766): length-prefixed messages, several queries per connection answered
/// in order, an idle timeout and a cap on open connections so slow clients cannot exhaust the agent.
/// </summary>
internal sealed class TcpDnsListener : IAsyncDisposable
{
    private static readonly TimeSpan LimitLogInterval = TimeSpan.FromSeconds(10);
    private readonly Socket _listener;
    private readonly DnsQueryHandler _handler;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _idleTimeout;
    private readonly int _maxConnections;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _lastLimitLog = long.MinValue;

    public TcpDnsListener(Socket listener, DnsQueryHandler handler, TimeProvider time, ILogger logger, TimeSpan idleTimeout, int maxConnections)
    {
        _listener = listener;
        _handler = handler;
        _time = time;
        _logger = logger;
        _idleTimeout = idleTimeout;
        _maxConnections = maxConnections;
    }

    /// <summary>The bound endpoint.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Connections open now.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Starts accepting.</summary>
    public void Start() => _acceptLoop = Task.Run(() => AcceptLoopAsync(_stop.Token));

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
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
                continue;
            }

            if (_connections.Count >= _maxConnections)
            {
                LogLimit(client);
                client.Dispose();
                continue;
            }
            client.NoDelay = true;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[client] = done.Task;
            _ = ServeAsync(client, done, cancellationToken);
        }
    }

    private void LogLimit(Socket client)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastLimitLog);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < LimitLogInterval) return;
        Interlocked.Exchange(ref _lastLimitLog, now);
        DnsLog.TcpLimit(_logger, client.RemoteEndPoint?.ToString() ?? "?", _maxConnections);
    }

    private async Task ServeAsync(Socket client, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        var request = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
        var response = ArrayPool<byte>.Shared.Rent(2 + DnsQueryHandler.ResponseBufferSize);
        var remote = client.RemoteEndPoint?.Serialize();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                using (var idle = new CancellationTokenSource(_idleTimeout, _time))
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token))
                {
                    if (!await TcpFraming.ReadExactlyAsync(client, request.AsMemory(0, 2), linked.Token).ConfigureAwait(false)) break;
                    length = BinaryPrimitives.ReadUInt16BigEndian(request);
                    if (!await TcpFraming.ReadExactlyAsync(client, request.AsMemory(0, length), linked.Token).ConfigureAwait(false)) break;
                }

                var start = _time.GetTimestamp();
                var result = _handler.Handle(request.AsSpan(0, length), response.AsSpan(2), udp: false, start, remote, out var written, out var query);
                if (result == QueryResult.Upstream)
                    (written, _) = await _handler.ForwardAsync(query, response.AsMemory(2), udp: false, start, cancellationToken).ConfigureAwait(false);
                if (written == 0) break; // not a query: a stream that is not DNS is not worth keeping open
                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)written);
                await client.SendAsync(response.AsMemory(0, 2 + written), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Idle timeout or shutdown.
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // one connection's failure must not escape as an unobserved task
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DnsLog.HandlerFailed(_logger, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
            _connections.TryRemove(client, out _);
            client.Dispose();
            done.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var client in _connections.Keys) client.Dispose();
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _stop.Dispose();
    }
}
