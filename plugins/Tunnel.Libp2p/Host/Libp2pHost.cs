using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PluginMesh.Plugins.Tunnel.Libp2p.Identify;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;
using PluginMesh.Plugins.Tunnel.Libp2p.Ping;
using PluginMesh.Plugins.Tunnel.Libp2p.Transport;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>
/// A libp2p node over TCP: listens, dials (one connection per peer preferred; concurrent dials to
/// the same peer share one attempt), serves registered protocols, and always runs Identify, Ping
/// and the mesh echo protocol. Constructing it does no I/O; <see cref="StartAsync"/> binds.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed partial class Libp2pHost : IAsyncDisposable
{
    private readonly Libp2pHostOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionUpgrader _upgrader;
    private readonly Libp2pMetrics _metrics;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Libp2pStreamHandler> _handlers = new(StringComparer.Ordinal);
    private readonly Dictionary<PeerId, List<Libp2pConnection>> _connections = [];
    private readonly Dictionary<PeerId, Task<Libp2pConnection>> _pendingDials = [];
    private readonly List<(Socket Socket, Multiaddr Address)> _listeners = [];
    private readonly Dictionary<Libp2pConnection, (long Since, long Streams)> _idleSince = [];
    private readonly CancellationTokenSource _shutdown = new();
    private int _pendingUpgrades;
    private int _pushScheduled;
    private int _disposed;

    public Libp2pHost(Libp2pHostOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p");
        _upgrader = new ConnectionUpgrader(options, _logger);
        _metrics = new Libp2pMetrics(options.Meter);
        _handlers[IdentifyProtocol.ProtocolId] = ServeIdentifyAsync;
        _handlers[IdentifyProtocol.PushProtocolId] = ReceivePushAsync;
        _handlers[PingProtocol.ProtocolId] = (s, ct) => PingProtocol.ServeAsync(s.Stream, s.Stream.CloseWriteAsync, ct);
        _handlers[EchoProtocol.ProtocolId] = (s, ct) => EchoProtocol.ServeAsync(s.Stream, s.Stream.CloseWriteAsync, ct);
    }

    public PeerId PeerId => _options.Identity.PeerId;

    /// <summary>Raised after a connection is upgraded (inbound or outbound).</summary>
    public event Action<Libp2pConnection>? ConnectionOpened;

    /// <summary>Raised once a connection has closed.</summary>
    public event Action<Libp2pConnection>? ConnectionClosed;

    /// <summary>Bound listen addresses (actual ports), without /p2p.</summary>
    public IReadOnlyList<Multiaddr> ListenAddresses
    {
        get { lock (_lock) return [.. _listeners.Select(l => l.Address)]; }
    }

    /// <summary>Listen addresses as peers can dial them (wildcards expanded to interface addresses), without /p2p.</summary>
    public IReadOnlyList<Multiaddr> AdvertisedAddresses => [.. ListenAddresses.SelectMany(InterfaceAddresses.Expand).Distinct()];

    public IReadOnlyList<string> Protocols
    {
        get { lock (_lock) return [.. _handlers.Keys.Order(StringComparer.Ordinal)]; }
    }

    public IReadOnlyList<Libp2pConnection> Connections
    {
        get { lock (_lock) return [.. _connections.Values.SelectMany(c => c)]; }
    }

    /// <summary>Binds every listen address; throws <see cref="SocketException"/> naming nothing else half-bound.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var address in _options.ListenAddresses)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var socket = TcpTransport.Listen(address);
                var bound = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
                lock (_lock) _listeners.Add((socket, bound));
                HostLog.Listening(_logger, bound.ToString());
                _ = Task.Run(() => AcceptLoopAsync(socket, bound));
            }
            if (_options.IdleTimeout > TimeSpan.Zero) _ = Task.Run(IdleLoopAsync);
        }
        catch
        {
            StopListeners();
            throw;
        }
        return Task.CompletedTask;
    }

    /// <summary>Registers the handler for <paramref name="protocol"/>; disposing the result removes it.</summary>
    public IDisposable SetStreamHandler(string protocol, Libp2pStreamHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        lock (_lock)
        {
            if (_handlers.ContainsKey(protocol)) throw new InvalidOperationException($"a handler for {protocol} is already registered");
            _handlers[protocol] = handler;
        }
        SchedulePush();
        return new HandlerRegistration(() => Unregister(protocol, handler));
    }

    /// <summary>
    /// Returns a live connection to the peer named in <paramref name="address"/>'s /p2p/ if there is
    /// one, else dials (concurrent dials to one peer share the attempt). Without /p2p/ it always
    /// dials and accepts whoever answers.
    /// </summary>
    public async Task<Libp2pConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken)
    {
        var peer = address.PeerId;
        if (peer is null) return await DialNewAsync(address, null, cancellationToken).ConfigureAwait(false);
        Task<Libp2pConnection> attempt;
        lock (_lock)
        {
            var existing = FindConnection(peer);
            if (existing is not null) return existing;
            if (!_pendingDials.TryGetValue(peer, out attempt!))
            {
                attempt = DialAndForgetAsync(address, peer);
                _pendingDials[peer] = attempt;
            }
        }
        return await attempt.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An open connection to <paramref name="peer"/> (the oldest), or null.</summary>
    public Libp2pConnection? GetConnection(PeerId peer)
    {
        lock (_lock) return FindConnection(peer);
    }

    public async Task<Libp2pStream> OpenStreamAsync(Multiaddr address, string protocol, CancellationToken cancellationToken)
    {
        var connection = await DialAsync(address, cancellationToken).ConfigureAwait(false);
        return await connection.OpenStreamAsync(protocol, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One /ipfs/ping/1.0.0 round trip on a fresh stream.</summary>
    public async Task<TimeSpan> PingAsync(Libp2pConnection connection, CancellationToken cancellationToken)
    {
        var stream = await connection.OpenStreamAsync(PingProtocol.ProtocolId, cancellationToken).ConfigureAwait(false);
        await using (stream.Stream.ConfigureAwait(false))
        {
            return await PingProtocol.PingOnceAsync(stream.Stream, stream.Stream.CloseWriteAsync, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        StopListeners();
        foreach (var connection in Connections) await connection.DisposeAsync().ConfigureAwait(false);
        // _shutdown is not disposed: dials and upgrades still unwinding link to its token.
    }

    private async Task<Libp2pConnection> DialAndForgetAsync(Multiaddr address, PeerId peer)
    {
        try
        {
            // Not tied to one caller's token: other callers may be waiting on the same attempt.
            return await DialNewAsync(address, peer, _shutdown.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock) _pendingDials.Remove(peer);
        }
    }

    private async Task<Libp2pConnection> DialNewAsync(Multiaddr address, PeerId? expected, CancellationToken cancellationToken)
    {
        Socket socket;
        using (var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token))
        {
            dialTimeout.CancelAfter(_options.DialTimeout);
            socket = await TcpTransport.DialAsync(address.WithoutPeerId(), dialTimeout.Token).ConfigureAwait(false);
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var local = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
            var remote = Multiaddr.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);
            var connection = await _upgrader.UpgradeAsync(stream, initiator: true, expected, local, remote, OnInboundStream, cancellationToken).ConfigureAwait(false);
            Register(connection);
            return connection;
        }
        catch
        {
            _metrics.UpgradeFailed(outbound: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Register(Libp2pConnection connection)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            // Upgraded while the host was shutting down: do not leave it running unowned.
            _ = connection.DisposeAsync().AsTask();
            throw new ObjectDisposedException(nameof(Libp2pHost));
        }
        lock (_lock)
        {
            if (!_connections.TryGetValue(connection.RemotePeerId, out var list)) _connections[connection.RemotePeerId] = list = [];
            list.Add(connection);
        }
        HostLog.Connected(_logger, connection.IsInitiator ? "to" : "from", connection.RemotePeerId.ToString(), connection.RemoteAddress.ToString());
        _metrics.ConnectionOpened(connection.IsInitiator);
        connection.Session.StreamRejected += _metrics.StreamRejected;
        _ = connection.Session.Completion.ContinueWith(_ => Unregister(connection), TaskScheduler.Default);
        ConnectionOpened?.Invoke(connection);
        _ = Task.Run(() => IdentifyRemoteAsync(connection));
    }

    private void Unregister(Libp2pConnection connection)
    {
        lock (_lock)
        {
            if (_connections.TryGetValue(connection.RemotePeerId, out var list))
            {
                list.Remove(connection);
                if (list.Count == 0) _connections.Remove(connection.RemotePeerId);
            }
            _idleSince.Remove(connection);
        }
        connection.CompleteIdentify(null);
        _metrics.ConnectionClosed();
        HostLog.Disconnected(_logger, connection.RemotePeerId.ToString(), connection.Session.CloseReason ?? "closed");
        ConnectionClosed?.Invoke(connection);
    }

    private Libp2pConnection? FindConnection(PeerId peer) =>
        _connections.TryGetValue(peer, out var list) ? list.FirstOrDefault(c => !c.IsClosed) : null;
}
