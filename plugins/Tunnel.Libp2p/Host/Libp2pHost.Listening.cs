namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

// Listening side: accept loop, connection limit, inbound upgrade, idle close.
public sealed partial class Libp2pHost
{
    private async Task AcceptLoopAsync(Socket listener, Multiaddr address)
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                HostLog.AcceptFailed(_logger, address.ToString(), e.Message);
                continue;
            }
            if (TakeExpectedPunch(socket)) continue;
            int established;
            lock (_lock) established = _connections.Values.Sum(l => l.Count);
            if (established + Volatile.Read(ref _pendingUpgrades) >= _options.MaxConnections)
            {
                // Refuse before spending a handshake on it; the peer sees a closed socket.
                _metrics.ConnectionRefused(perPeer: false);
                HostLog.ConnectionLimit(_logger, socket.RemoteEndPoint?.ToString() ?? "?", _options.MaxConnections);
                socket.Dispose();
                continue;
            }
            Interlocked.Increment(ref _pendingUpgrades);
            _ = Task.Run(async () =>
            {
                try
                {
                    await UpgradeInboundAsync(socket).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _pendingUpgrades);
                }
            });
        }
    }

    /// <summary>Closes connections that have had no stream for <see cref="Libp2pHostOptions.IdleTimeout"/>.</summary>
    private async Task IdleLoopAsync()
    {
        var time = _options.TimeProvider;
        var period = TimeSpan.FromTicks(Math.Max(_options.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks));
        try
        {
            while (!_shutdown.IsCancellationRequested)
            {
                await Task.Delay(period, time, _shutdown.Token).ConfigureAwait(false);
                var now = time.GetTimestamp();
                var idle = new List<Libp2pConnection>();
                lock (_lock)
                {
                    foreach (var c in _connections.Values.SelectMany(l => l))
                    {
                        var streams = c.Session.TotalStreams;
                        if (c.Session.StreamCount > 0 || !_idleSince.TryGetValue(c, out var mark) || mark.Streams != streams)
                        {
                            // Busy, or a stream came and went since the last look: idle starts now.
                            _idleSince[c] = (now, streams);
                            continue;
                        }
                        if (time.GetElapsedTime(mark.Since, now) >= _options.IdleTimeout) idle.Add(c);
                    }
                }
                foreach (var c in idle)
                {
                    HostLog.IdleClose(_logger, c.RemotePeerId.ToString());
                    _metrics.IdleClosed();
                    await c.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task UpgradeInboundAsync(Socket socket)
    {
        TcpTransport.Configure(socket);
        var stream = new NetworkStream(socket, ownsSocket: true);
        var remote = Multiaddr.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);
        try
        {
            var local = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
            var connection = await _upgrader.UpgradeAsync(stream, initiator: false, null, local, remote, OnInboundStream, _shutdown.Token).ConfigureAwait(false);
            Register(connection, inbound: true);
        }
        catch (Exception e)
        {
            _metrics.UpgradeFailed(outbound: false);
            HostLog.InboundUpgradeFailed(_logger, remote.ToString(), e.Message);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void StopListeners()
    {
        lock (_lock)
        {
            foreach (var (socket, _) in _listeners) socket.Dispose();
            _listeners.Clear();
        }
    }
}
