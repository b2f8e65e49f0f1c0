namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// One UDP service port. The listening socket only sees a client's first datagrams: each session
/// gets its own socket bound to the address the client sent to and connected to the client. That
/// makes replies leave from that address — which conntrack needs to undo a REDIRECT (a wildcard
/// socket would answer a redirected 10.96.0.53:53 query from the host's own address, and the
/// client would drop it) — and lets the kernel demultiplex the rest of the session, so the
/// forwarding path does no lookup and no allocation per datagram.
/// </summary>
public sealed class UdpServiceListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Func<ServicePortEntry?> _resolve;
    private readonly EndpointDialer _dialer;
    private readonly ISocketFactory _sockets;
    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ConnectionScope _scope;
    private readonly ConcurrentDictionary<IPEndPoint, UdpSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _sweeper;
    private readonly Task _loop;

    /// <summary>Starts receiving on a bound UDP socket (owned from here on; bound with SO_REUSEADDR).</summary>
    public UdpServiceListener(Socket socket, Func<ServicePortEntry?> resolve, EndpointDialer dialer, ISocketFactory sockets, ProxyOptions options,
        TimeProvider time, ConnectionScope scope)
    {
        _socket = socket;
        _resolve = resolve;
        _dialer = dialer;
        _sockets = sockets;
        _options = options;
        _time = time;
        _scope = scope;
        _socket.SetSocketOption(socket.AddressFamily == AddressFamily.InterNetworkV6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP,
            SocketOptionName.PacketInformation, true);
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(50).Ticks, options.UdpIdleTimeout.Ticks / 4));
        _sweeper = time.CreateTimer(_ => Sweep(), null, period, period);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The bound port.</summary>
    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Open sessions.</summary>
    public int Sessions => _sessions.Count;

    private async Task RunAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65535);
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveMessageFromResult r;
            try
            {
                r = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP errors surface here on Linux; the socket stays usable.
                continue;
            }

            var entry = _resolve();
            if (entry is null || r.RemoteEndPoint is not IPEndPoint client) continue;
            var datagram = buffer.AsMemory(0, r.ReceivedBytes);
            if (_sessions.TryGetValue(client, out var existing))
            {
                // Datagrams that reached the listener before the session socket was connected.
                await ForwardAsync(existing, entry, datagram).ConfigureAwait(false);
                continue;
            }

            Socket clientSocket;
            try
            {
                clientSocket = _sockets.Create(_socket.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                clientSocket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                clientSocket.Bind(new IPEndPoint(r.PacketInformation.Address, Port));
                clientSocket.Connect(client);
            }
            catch (SocketException)
            {
                continue;
            }
            var session = new UdpSession(client, clientSocket, _time.GetUtcNow().UtcTicks);
            _sessions[client] = session;
            session.TryQueue(datagram.Span);
            _scope.Track(RunSessionAsync(session, entry));
        }
    }

    private async Task ForwardAsync(UdpSession session, ServicePortEntry entry, ReadOnlyMemory<byte> datagram)
    {
        session.Touch(_time.GetUtcNow().UtcTicks);
        if (session.TryQueue(datagram.Span)) return;
        try
        {
            await session.SendAsync(datagram, session.Stop.Token).ConfigureAwait(false);
            entry.Counters.Add(inbound: true, datagram.Length);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            await EndAsync(session).ConfigureAwait(false);
        }
    }

    private async Task RunSessionAsync(UdpSession session, ServicePortEntry entry)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(session.Stop.Token, _scope.Token);
        DialResult? dial;
        try
        {
            dial = await _dialer.DialAsync(entry, session.Client.Address, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            dial = null;
        }
        if (dial is null)
        {
            _sessions.TryRemove(session.Client, out _);
            session.ClientSocket.Dispose();
            session.Stop.Dispose();
            return;
        }

        IDatagramChannel channel = dial.Socket is { } s ? new UdpSocketChannel(s) : new FramedStreamChannel(dial.Stream!);
        dial.Backend.Health.Acquire();
        entry.Counters.Connected(dial.Path);
        try
        {
            foreach (var datagram in session.Ready(channel))
            {
                await session.SendAsync(datagram, linked.Token).ConfigureAwait(false);
                entry.Counters.Add(inbound: true, datagram.Length);
            }
            var up = Task.Run(() => ClientToUpstreamAsync(session, entry, linked), CancellationToken.None);
            var down = Task.Run(() => UpstreamToClientAsync(session, channel, entry, linked), CancellationToken.None);
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Session over: idle timeout, stop, or the upstream went away.
        }
        finally
        {
            _sessions.TryRemove(session.Client, out _);
            dial.Backend.Health.Release();
            entry.Counters.Metrics.Closed();
            await channel.DisposeAsync().ConfigureAwait(false);
            session.ClientSocket.Dispose();
            session.Stop.Dispose();
        }
    }

    private async Task ClientToUpstreamAsync(UdpSession session, ServicePortEntry entry, CancellationTokenSource linked)
    {
        try
        {
            await new UdpSocketChannel(session.ClientSocket).ForEachAsync(async (datagram, ct) =>
            {
                session.Touch(_time.GetUtcNow().UtcTicks);
                await session.SendAsync(datagram, ct).ConfigureAwait(false);
                entry.Counters.Add(inbound: true, datagram.Length);
            }, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            await linked.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task UpstreamToClientAsync(UdpSession session, IDatagramChannel channel, ServicePortEntry entry, CancellationTokenSource linked)
    {
        try
        {
            await channel.ForEachAsync(async (datagram, ct) =>
            {
                session.Touch(_time.GetUtcNow().UtcTicks);
                await session.ClientSocket.SendAsync(datagram, SocketFlags.None, ct).ConfigureAwait(false);
                entry.Counters.Add(inbound: false, datagram.Length);
            }, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        await linked.CancelAsync().ConfigureAwait(false);
    }

    private void Sweep()
    {
        var limit = _time.GetUtcNow().UtcTicks - _options.UdpIdleTimeout.Ticks;
        foreach (var s in _sessions.Values)
        {
            if (s.LastActivity < limit) _ = EndAsync(s);
        }
    }

    private async Task EndAsync(UdpSession session)
    {
        _sessions.TryRemove(session.Client, out _);
        try
        {
            await session.Stop.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
        foreach (var s in _sessions.Values) await EndAsync(s).ConfigureAwait(false);
        _stop.Dispose();
    }
}
