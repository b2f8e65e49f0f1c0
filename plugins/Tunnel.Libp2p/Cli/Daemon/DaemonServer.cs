namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;

/// <summary>
/// The libp2p daemon control protocol (go-libp2p-daemon's <c>p2pd</c>, as @libp2p/daemon-client speaks it)
/// on a unix socket, over one <see cref="Libp2pHost"/>: each client connection carries varint-delimited
/// <c>Request</c>/<c>Response</c> pairs until it closes, or until a STREAM_OPEN turns it into that
/// stream's bytes. Inbound streams of a protocol registered with STREAM_HANDLER are each handed to a
/// new connection to the client's callback address, after a varint-delimited <c>StreamInfo</c>.
/// A request this daemon does not serve, or cannot parse, gets an ERROR response; the socket keeps serving.
/// </summary>
/// <remarks>Thread-safe. Constructing it does no I/O; <see cref="Start"/> binds.</remarks>
internal sealed class DaemonServer(Libp2pHost host, ILogger logger) : IAsyncDisposable
{
    /// <summary>Bound on a CONNECT or STREAM_OPEN that names no timeout.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, IDisposable> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<PeerId, IReadOnlyList<Multiaddr>> _known = [];
    private readonly CancellationTokenSource _stop = new();
    private Socket? _listener;
    private string? _path;

    /// <summary>Binds the control socket at <paramref name="path"/>; an existing file there is refused, never replaced.</summary>
    public void Start(string path)
    {
        if (File.Exists(path) || Directory.Exists(path)) throw new IOException($"control socket {path} already exists (another daemon, or a stale socket to remove)");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(64);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _listener = socket;
        _path = path;
        _ = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var stream = new NetworkStream(client, ownsSocket: true);
        var handedOver = false;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                byte[]? message;
                try
                {
                    message = await LengthPrefixed.ReadAsync(stream, DaemonRequest.MaxLength, _stop.Token).ConfigureAwait(false);
                }
                catch (InvalidDataException e)
                {
                    // The framing is lost: answer once, then close.
                    await ReplyAsync(stream, DaemonResponse.Failure($"malformed request: {e.Message}")).ConfigureAwait(false);
                    return;
                }
                if (message is null) return;
                handedOver = await HandleAsync(message, stream).ConfigureAwait(false);
                if (handedOver) return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            DaemonLog.ClientGone(logger, e.Message);
        }
        finally
        {
            if (!handedOver) await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Answers one request; true when the connection was handed to a stream (and is closed by then).</summary>
    private async Task<bool> HandleAsync(byte[] message, NetworkStream control)
    {
        DaemonRequest request;
        try
        {
            request = DaemonRequest.Parse(message);
        }
        catch (FormatException e)
        {
            await ReplyAsync(control, DaemonResponse.Failure($"malformed request: {e.Message}")).ConfigureAwait(false);
            return false;
        }
        try
        {
            switch ((DaemonRequestType?)request.Type)
            {
                case DaemonRequestType.Identify:
                    await ReplyAsync(control, DaemonResponse.Identify(host.PeerId, host.DirectAddresses)).ConfigureAwait(false);
                    return false;
                case DaemonRequestType.Connect:
                    await ConnectAsync(request).ConfigureAwait(false);
                    await ReplyAsync(control, DaemonResponse.Success()).ConfigureAwait(false);
                    return false;
                case DaemonRequestType.ListPeers:
                    await ReplyAsync(control, DaemonResponse.Peers(LivePeers())).ConfigureAwait(false);
                    return false;
                case DaemonRequestType.StreamOpen:
                    return await OpenStreamAsync(request, control).ConfigureAwait(false);
                case DaemonRequestType.StreamHandler:
                    RegisterHandlers(request);
                    await ReplyAsync(control, DaemonResponse.Success()).ConfigureAwait(false);
                    return false;
                case DaemonRequestType.Disconnect:
                    await DisconnectAsync(Required(request.Peer, "disconnect.peer")).ConfigureAwait(false);
                    await ReplyAsync(control, DaemonResponse.Success()).ConfigureAwait(false);
                    return false;
                default:
                    var type = request.Type is { } t ? (Enum.IsDefined((DaemonRequestType)t) ? ((DaemonRequestType)t).ToString().ToUpperInvariant() : t.ToString(System.Globalization.CultureInfo.InvariantCulture)) : "missing";
                    throw new NotSupportedException($"request type {type} is not served (this daemon serves IDENTIFY, CONNECT, LIST_PEERS, STREAM_OPEN, STREAM_HANDLER, DISCONNECT)");
            }
        }
        catch (Exception e) when (!_stop.IsCancellationRequested)
        {
            // The request boundary: whatever failed (a refused dial, an unknown peer, a relay's NO_RESERVATION, a
            // protocol the host already serves), the client hears why and the daemon keeps serving. A reply that
            // cannot be written either ends this client's connection only.
            DaemonLog.RequestFailed(logger, request.Type ?? ulong.MaxValue, e.Message);
            await ReplyAsync(control, DaemonResponse.Failure(e.Message)).ConfigureAwait(false);
            return false;
        }
    }

    private async Task ConnectAsync(DaemonRequest request)
    {
        var peer = Required(request.Peer, "connect.peer");
        if (request.Addresses.Count > 0) lock (_lock) _known[peer] = request.Addresses;
        await DialAsync(peer, request.Addresses, request.TimeoutSeconds).ConfigureAwait(false);
    }

    /// <summary>The live connection to <paramref name="peer"/>, else the first of <paramref name="addresses"/> that connects; throws with every address's failure.</summary>
    private async Task<Libp2pConnection> DialAsync(PeerId peer, IReadOnlyList<Multiaddr> addresses, long? timeoutSeconds)
    {
        if (host.GetConnection(peer) is { } live) return live;
        if (addresses.Count == 0) throw new InvalidOperationException($"not connected to {peer} and no addresses to dial");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(timeoutSeconds is > 0 ? TimeSpan.FromSeconds(timeoutSeconds.Value) : DefaultTimeout);
        var failures = new List<string>();
        foreach (var address in addresses)
        {
            if (address.PeerId is { } named && named != peer)
            {
                failures.Add($"{address}: names another peer");
                continue;
            }
            try
            {
                return await host.DialAsync(address.PeerId is null ? address.WithPeerId(peer) : address, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TunnelException or IOException or SocketException or InvalidDataException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                failures.Add($"{address}: {e.Message}");
                if (timeout.IsCancellationRequested) break;
            }
        }
        throw new IOException($"connect {peer}: " + string.Join("; ", failures));
    }

    private IEnumerable<(PeerId, Multiaddr)> LivePeers() =>
        host.Connections.Where(c => !c.IsClosed).OrderBy(c => c.OpenedAt).DistinctBy(c => c.RemotePeerId).Select(c => (c.RemotePeerId, c.RemoteAddress));

    private async Task<bool> OpenStreamAsync(DaemonRequest request, NetworkStream control)
    {
        var peer = Required(request.Peer, "streamOpen.peer");
        if (request.Protocols.Count == 0) throw new FormatException("streamOpen.proto is empty");
        IReadOnlyList<Multiaddr> known;
        lock (_lock) known = _known.GetValueOrDefault(peer) ?? [];
        var connection = await DialAsync(peer, known, request.TimeoutSeconds).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(request.TimeoutSeconds is > 0 ? TimeSpan.FromSeconds(request.TimeoutSeconds.Value) : DefaultTimeout);
        var opened = await connection.OpenStreamAsync(request.Protocols, timeout.Token).ConfigureAwait(false);
        try
        {
            await ReplyAsync(control, DaemonResponse.StreamOpened(peer, connection.RemoteAddress, opened.Protocol)).ConfigureAwait(false);
        }
        catch
        {
            await opened.Stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _ = Task.Run(() => SpliceAsync(opened.Stream, control));
        return true;
    }

    private void RegisterHandlers(DaemonRequest request)
    {
        var target = Required(request.Handler, "streamHandler.addr");
        if (request.Protocols.Count == 0) throw new FormatException("streamHandler.proto is empty");
        lock (_lock)
        {
            foreach (var protocol in request.Protocols)
            {
                // A new callback for a protocol replaces the old one, as in p2pd.
                if (_handlers.Remove(protocol, out var old)) old.Dispose();
                _handlers[protocol] = host.SetStreamHandler(protocol, (s, ct) => CallBackAsync(target, s, ct));
            }
        }
    }

    /// <summary>Hands one inbound stream to the client: connects to its callback address, sends StreamInfo, then splices.</summary>
    private async Task CallBackAsync(EndPoint target, Libp2pStream stream, CancellationToken cancellationToken)
    {
        var socket = new Socket(target.AddressFamily, SocketType.Stream, target is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        NetworkStream callback;
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            callback = new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            DaemonLog.CallbackFailed(logger, stream.Protocol, target.ToString() ?? "?", e.Message);
            stream.Stream.Reset();
            return;
        }
        var header = DaemonResponse.StreamInfo(stream.Connection.RemotePeerId, stream.Connection.RemoteAddress, stream.Protocol);
        try
        {
            await LengthPrefixed.WriteAsync(callback, header, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The host resets the stream and logs the failure; the callback connection is ours to close.
            await callback.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await SpliceAsync(stream.Stream, callback).ConfigureAwait(false);
    }

    /// <summary>Copies both ways, passing each side's end of writing on (FIN, socket shutdown); either side failing ends both.</summary>
    private async Task SpliceAsync(YamuxStream stream, NetworkStream socket)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        async Task PumpAsync(Stream from, Stream to, Func<ValueTask> endWrite)
        {
            try
            {
                await from.CopyToAsync(to, 64 * 1024, failed.Token).ConfigureAwait(false);
                await endWrite().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                await failed.CancelAsync().ConfigureAwait(false);
            }
        }
        await Task.WhenAll(
            PumpAsync(socket, stream, () => stream.CloseWriteAsync()),
            PumpAsync(stream, socket, () => { socket.Socket.Shutdown(SocketShutdown.Send); return ValueTask.CompletedTask; })).ConfigureAwait(false);
        if (failed.IsCancellationRequested) stream.Reset();
        await socket.DisposeAsync().ConfigureAwait(false);
        await stream.DisposeAsync().ConfigureAwait(false);
    }

    private async Task DisconnectAsync(PeerId peer)
    {
        foreach (var connection in host.Connections.Where(c => c.RemotePeerId == peer))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static T Required<T>(T? value, string field) where T : class => value ?? throw new FormatException($"{field} is missing");

    private static async Task ReplyAsync(Stream control, byte[] response) =>
        await LengthPrefixed.WriteAsync(control, response, CancellationToken.None).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        lock (_lock)
        {
            foreach (var registration in _handlers.Values) registration.Dispose();
            _handlers.Clear();
        }
        if (_path is not null) File.Delete(_path);
        _stop.Dispose();
    }
}
