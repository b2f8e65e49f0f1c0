using PluginMesh.Plugins.Gateway.Istio.Tls;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// One TCP or TLS-passthrough gateway port on plain sockets. A TCP connection goes to the port's
/// route; a TLS connection is held until its ClientHello names a server (SNI), which picks the route
/// — the hello is then sent on untouched, so the client's TLS ends at the destination. The bytes are
/// spliced both ways with half-close passed on.
/// </summary>
internal sealed class StreamPortServer : IPortServer
{
    /// <summary>Largest ClientHello waited for (a TLS record is at most 16 KiB; post-quantum key shares make hellos span two).</summary>
    internal const int MaxHello = 32 * 1024;

    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    private readonly List<Socket> _sockets;
    private readonly IServiceConnector? _connector;
    private readonly GatewayMetrics _metrics;
    private readonly AccessLog? _accessLog;
    private readonly ILogger _logger;
    private readonly int _maxConnections;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly ConcurrentDictionary<Task, bool> _connections = new();
    private readonly List<Task> _loops = [];
    private volatile GatewayListener _listener;
    private int _active;

    private StreamPortServer(GatewayListener listener, List<Socket> sockets, IServiceConnector? connector, GatewayMetrics metrics, AccessLog? accessLog,
        int maxConnections, ILogger logger)
    {
        _listener = listener;
        _sockets = sockets;
        _connector = connector;
        _metrics = metrics;
        _accessLog = accessLog;
        _maxConnections = maxConnections;
        _logger = logger;
        Protocol = listener.Protocol;
        Bound = [.. sockets.Select(s => s.LocalEndPoint!.ToString()!)];
    }

    public int Port => _listener.Port;

    public ServerProtocol Protocol { get; }

    public IReadOnlyList<string> Bound { get; }

    public GatewayListener Listener
    {
        get => _listener;
        set => _listener = value;
    }

    /// <summary>Binds the port on <paramref name="addresses"/> (empty: every address) and starts accepting; throws <see cref="IOException"/> when it cannot be bound.</summary>
    public static StreamPortServer Start(GatewayListener listener, IReadOnlyList<IPAddress> addresses, IServiceConnector? connector, GatewayMetrics metrics,
        AccessLog? accessLog, int maxConnections, ILogger logger)
    {
        var sockets = new List<Socket>();
        try
        {
            if (addresses.Count == 0) sockets.Add(BindAny(listener.Port));
            else foreach (var address in addresses) sockets.Add(Bind(new IPEndPoint(address, listener.Port), dualMode: false));
        }
        catch (SocketException e)
        {
            foreach (var socket in sockets) socket.Dispose();
            throw new IOException(e.Message, e);
        }
        var server = new StreamPortServer(listener, sockets, connector, metrics, accessLog, maxConnections, logger);
        foreach (var socket in sockets) server._loops.Add(Task.Run(() => server.AcceptAsync(socket)));
        return server;
    }

    public async Task StopAsync(TimeSpan drain, CancellationToken now = default)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _sockets) socket.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        var open = Task.WhenAll(_connections.Keys);
        if (await Task.WhenAny(open, Task.Delay(drain, now)).ConfigureAwait(false) != open) await _closing.CancelAsync().ConfigureAwait(false);
        await open.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.Zero).ConfigureAwait(false);

    private static Socket BindAny(int port)
    {
        try
        {
            return Bind(new IPEndPoint(IPAddress.IPv6Any, port), dualMode: true);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            return Bind(new IPEndPoint(IPAddress.Any, port), dualMode: false);
        }
    }

    private static Socket Bind(IPEndPoint endpoint, bool dualMode)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (dualMode) socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endpoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task AcceptAsync(Socket listening)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listening.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested) return;
                continue;
            }
            if (Interlocked.Increment(ref _active) > _maxConnections)
            {
                Interlocked.Decrement(ref _active);
                _metrics.Stream("-", "limit");
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }
            var task = Task.Run(() => ServeAsync(client));
            _connections[task] = true;
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var protocol = Protocol == ServerProtocol.Tls ? "tls" : "tcp";
        _metrics.Opened(protocol);
        var start = Stopwatch.GetTimestamp();
        var started = DateTimeOffset.UtcNow;
        var listener = _listener;
        var head = ArrayPool<byte>.Shared.Rent(MaxHello);
        var moved = new long[2];
        string? sni = null;
        string route = "-", result = "ok", cluster = "-";
        try
        {
            client.NoDelay = true;
            var length = 0;
            if (Protocol == ServerProtocol.Tls)
            {
                (var status, length, sni) = await ReadHelloAsync(client, head).ConfigureAwait(false);
                if (status != ClientHelloStatus.Complete)
                {
                    result = "bad_client_hello";
                    return;
                }
            }
            if (listener.MatchStream(sni) is not { } match || match.Destinations.Count == 0)
            {
                result = "no_route";
                return;
            }
            route = match.Name;
            var destination = match.PickDestination();
            cluster = $"outbound|{destination.Port}||{destination.Service.Name}.{destination.Service.Namespace}";
            if (_connector is null)
            {
                result = "unreachable";
                return;
            }
            var remote = (client.RemoteEndPoint as IPEndPoint)?.Address;
            var connected = await _connector.ConnectAsync(destination.Service, destination.Port, remote is { IsIPv4MappedToIPv6: true } ? remote.MapToIPv4() : remote, _closing.Token)
                .ConfigureAwait(false);
            if (connected.Connection is not { } upstream)
            {
                result = connected.Failure switch
                {
                    ServiceConnectFailure.NoService => "no_service",
                    ServiceConnectFailure.NoEndpoints => "no_endpoints",
                    _ => "unreachable",
                };
                return;
            }
            await using (upstream.ConfigureAwait(false))
            {
                if (length > 0) await upstream.Stream.WriteAsync(head.AsMemory(0, length), _closing.Token).ConfigureAwait(false);
                moved[0] = length;
                ArrayPool<byte>.Shared.Return(head);
                head = [];
                await Splice.RunAsync(client, upstream, moved, _closing.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client or the destination went away, or the port was closed after its drain.
        }
        catch (Exception e)
        {
            GatewayLog.ConnectionFailed(_logger, protocol, listener.Port, e);
        }
        finally
        {
            if (head.Length > 0) ArrayPool<byte>.Shared.Return(head);
            if (result != "ok") client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            Interlocked.Decrement(ref _active);
            _metrics.Closed(protocol);
            _metrics.Stream(route, result);
            _accessLog?.Write(new AccessEntry(started, null, null, null, 0, result == "ok" ? "-" : result == "no_route" ? "NR" : "UF", result,
                moved[0], moved[1], Stopwatch.GetElapsedTime(start), null, null, null, null, cluster, $"*:{listener.Port}",
                SafeRemote(client), sni, route));
        }
    }

    /// <summary>Reads until the ClientHello is whole (its SNI known), malformed, too large, or late.</summary>
    private async Task<(ClientHelloStatus Status, int Length, string? ServerName)> ReadHelloAsync(Socket client, byte[] buffer)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        timeout.CancelAfter(HelloTimeout);
        var length = 0;
        while (length < MaxHello)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length, MaxHello - length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (read == 0) return (ClientHelloStatus.Invalid, length, null);
            length += read;
            var status = ClientHello.TryGetServerName(buffer.AsSpan(0, length), out var name);
            if (status != ClientHelloStatus.NeedMore) return (status, length, name);
        }
        return (ClientHelloStatus.Invalid, length, null);
    }

    private static string? SafeRemote(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString();
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }
}
