namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>
/// A libp2p node over TCP: listens, dials (one connection per peer preferred: concurrent dials to
/// the same peer share one attempt, and of two direct connections made by simultaneous dials both
/// peers keep the same one, see Libp2pHost.Connections.cs), serves registered protocols, and always
/// runs Identify, Ping and the mesh echo protocol. Constructing it does no I/O; <see cref="StartAsync"/> binds.
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
    // Keyed by the address: a dial to another address of the same peer (a circuit through the other
    // relay, after the first one died) must not wait for an attempt that may never answer.
    private readonly Dictionary<Multiaddr, Task<Libp2pConnection>> _pendingDials = [];
    private readonly List<(Socket Socket, Multiaddr Address)> _listeners = [];
    private readonly Dictionary<Libp2pConnection, (long Since, long Streams)> _idleSince = [];
    private readonly CancellationTokenSource _shutdown = new();
    private int _pendingUpgrades;
    private int _pushScheduled;
    private int _disposed;
    private long _silentClosed;

    public Libp2pHost(Libp2pHostOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p");
        _upgrader = new ConnectionUpgrader(options, _logger);
        _metrics = new Libp2pMetrics(options.Meter, () => Connections.Sum(c => c.Session.ReceiveBudget.Buffered), openMesh: options.PrivateNetworkKey is null, options.Yamux.HostBudget);
        _handlers[IdentifyProtocol.ProtocolId] = ServeIdentifyAsync;
        _handlers[IdentifyProtocol.PushProtocolId] = ReceivePushAsync;
        _handlers[PingProtocol.ProtocolId] = (s, ct) => PingProtocol.ServeAsync(s.Stream, s.Stream.CloseWriteAsync, ct);
        _handlers[EchoProtocol.ProtocolId] = (s, ct) => EchoProtocol.ServeAsync(s.Stream, s.Stream.CloseWriteAsync, ct);
        options.Announced.Changed += OnAnnouncedChanged;
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
    public IReadOnlyList<Multiaddr> DirectAddresses => [.. ListenAddresses.SelectMany(InterfaceAddresses.Expand).Distinct()];

    /// <summary>
    /// What Identify announces: <see cref="DirectAddresses"/>, then the announced ones (relay
    /// circuits), without a trailing /p2p/ of our own (js announces listen addresses that way).
    /// </summary>
    public IReadOnlyList<Multiaddr> AdvertisedAddresses =>
        [.. DirectAddresses.Concat(_options.Announced.All.Select(a => a.PeerId == PeerId ? a.WithoutPeerId() : a)).Distinct()];

    /// <summary>Raised after <see cref="AdvertisedAddresses"/> changed (listeners bound, announcements set).</summary>
    public event Action? AddressesChanged;

    public IReadOnlyList<string> Protocols
    {
        get { lock (_lock) return [.. _handlers.Keys.Order(StringComparer.Ordinal)]; }
    }

    /// <summary>Connections closed because the peer stopped answering (see <see cref="Yamux.YamuxSession.ClosedSilent"/>).</summary>
    public long SilentClosed => Interlocked.Read(ref _silentClosed);

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
                var socket = TcpTransport.Listen(address, _options.SocketFactory);
                var bound = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
                lock (_lock) _listeners.Add((socket, bound));
                HostLog.Listening(_logger, bound.ToString());
                _ = Task.Run(() => AcceptLoopAsync(socket, bound));
            }
            // Said once per start, where an operator looks: only a listening node can be joined.
            if (_options.PrivateNetworkKey is null && _options.ListenAddresses.Count > 0)
            {
                lock (_lock) HostLog.OpenMesh(_logger, string.Join(", ", _listeners.Select(l => l.Address)));
            }
            if (_options.IdleTimeout > TimeSpan.Zero) _ = Task.Run(IdleLoopAsync);
            if (_options.ListenAddresses.Count > 0) AddressesChanged?.Invoke();
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
    /// one, else dials (concurrent dials to one address share the attempt; another address of the peer is
    /// dialed next to it, so an attempt stuck on a dead relay or a silent address holds up no other path). Without /p2p/ it always
    /// dials and accepts whoever answers.
    /// </summary>
    /// <remarks>
    /// A relayed connection does not satisfy a dial to a direct address: the caller asked for a
    /// direct path (path choice, hole punching), so a new connection is made next to it.
    /// </remarks>
    public Task<Libp2pConnection> DialAsync(Multiaddr address, CancellationToken cancellationToken) => DialAsync(address, null, cancellationToken);

    /// <inheritdoc cref="DialAsync(Multiaddr, CancellationToken)"/>
    /// <param name="connectTimeout">
    /// Bound on the TCP connect of this dial instead of <see cref="Libp2pHostOptions.DialTimeout"/> (path choice
    /// gives a direct address a short one when a relay can take over: an address behind the peer's NAT
    /// never answers). A dial that joins an attempt already under way keeps that attempt's bound.
    /// </param>
    public async Task<Libp2pConnection> DialAsync(Multiaddr address, TimeSpan? connectTimeout, CancellationToken cancellationToken)
    {
        var peer = address.PeerId;
        if (peer is null) return await DialNewAsync(address, null, connectTimeout, cancellationToken).ConfigureAwait(false);
        var relayed = address.IsRelayed;
        Task<Libp2pConnection> attempt;
        lock (_lock)
        {
            var existing = FindConnection(peer);
            if (existing is not null && (relayed || existing.Path != PathKind.Relayed)) return existing;
            if (!_pendingDials.TryGetValue(address, out attempt!))
            {
                attempt = DialAndForgetAsync(address, peer, connectTimeout);
                // A dial can fail synchronously (loopback "refused"): its cleanup then ran before this
                // line (the lock is reentrant), and storing the faulted task would fail every later dial.
                if (!attempt.IsCompleted) _pendingDials[address] = attempt;
            }
        }
        return await attempt.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Upgrades a raw connection that arrived through another transport (a relay's STOP stream)
    /// as the responder, exactly like an accepted TCP socket (pnet, multistream, Noise, Yamux), and
    /// adds it. Disposing the connection later disposes <paramref name="raw"/>.
    /// </summary>
    public async Task<Libp2pConnection> AcceptInboundAsync(Stream raw, Multiaddr local, Multiaddr remote, PathKind path, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        Libp2pConnection connection;
        try
        {
            connection = await _upgrader.UpgradeAsync(raw, initiator: false, null, local, remote, OnInboundStream, linked.Token).ConfigureAwait(false);
        }
        catch
        {
            _metrics.UpgradeFailed(outbound: false);
            throw;
        }
        connection.Path = path;
        // The caller owns the raw stream through this very connection, so it gets it back even when a direct one to the peer is preferred.
        if (Register(connection, inbound: true) is null)
            throw new TunnelException(TunnelFailure.LimitExceeded, $"[tunnel.libp2p] inbound connection from {connection.RemotePeerId} refused: {_options.MaxConnectionsPerPeer} connections to that peer already");
        return connection;
    }

    /// <summary>
    /// An open connection to <paramref name="peer"/> that takes new streams, direct or hole-punched ones
    /// before relayed ones (then the oldest), or null. Duplicates being retired are never returned.
    /// </summary>
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
            var rtt = await PingProtocol.PingOnceAsync(stream.Stream, stream.Stream.CloseWriteAsync, cancellationToken).ConfigureAwait(false);
            connection.LastRtt = rtt;
            return rtt;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _options.Announced.Changed -= OnAnnouncedChanged;
        await _shutdown.CancelAsync().ConfigureAwait(false);
        StopListeners();
        foreach (var connection in Connections) await connection.DisposeAsync().ConfigureAwait(false);
        // _shutdown is not disposed: dials and upgrades still unwinding link to its token.
    }

    private async Task<Libp2pConnection> DialAndForgetAsync(Multiaddr address, PeerId peer, TimeSpan? connectTimeout)
    {
        try
        {
            // Not tied to one caller's token: other callers may be waiting on the same attempt.
            return await DialNewAsync(address, peer, connectTimeout, _shutdown.Token).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock) _pendingDials.Remove(address);
        }
    }

    private async Task<Libp2pConnection> DialNewAsync(Multiaddr address, PeerId? expected, TimeSpan? connectTimeout, CancellationToken cancellationToken)
    {
        if (!TcpTransport.CanDial(address)) return await DialOtherAsync(address, expected, cancellationToken).ConfigureAwait(false);
        var connection = await DialTcpAsync(address, expected, null, cancellationToken, connectTimeout: connectTimeout).ConfigureAwait(false);
        return Register(connection, inbound: false)!;
    }

    /// <summary>
    /// A new TCP connection upgraded as the initiator and checked against <paramref name="expected"/>,
    /// not registered (AutoNAT dial-backs are closed at once; hole punching decides itself).
    /// </summary>
    /// <param name="bindTo">Dial from this local end point (address and port reuse), e.g. the listen port.</param>
    /// <param name="initiator">
    /// False upgrades as the responder although we dialed: in a TCP simultaneous open both ends
    /// "dial" one connection, and hole punching gives the roles out (the side that received the
    /// relayed connection initiates), as go-libp2p does.
    /// </param>
    /// <param name="connectTimeout">Bound on the TCP connect; null: <see cref="Libp2pHostOptions.DialTimeout"/>.</param>
    public async Task<Libp2pConnection> DialTcpAsync(Multiaddr address, PeerId? expected, IPEndPoint? bindTo, CancellationToken cancellationToken, bool initiator = true, TimeSpan? connectTimeout = null)
    {
        Socket socket;
        using (var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token))
        {
            var limit = connectTimeout ?? _options.DialTimeout;
            dialTimeout.CancelAfter(limit);
            try
            {
                socket = await TcpTransport.DialAsync(address.WithoutPeerId(), dialTimeout.Token, _options.SocketFactory, bindTo).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (dialTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !_shutdown.IsCancellationRequested)
            {
                throw new TunnelException(TunnelFailure.Timeout, $"[tunnel.libp2p] dial {address}: no TCP answer within {limit.TotalMilliseconds:0} ms");
            }
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var local = Multiaddr.FromEndPoint((IPEndPoint)socket.LocalEndPoint!);
            var remote = Multiaddr.FromEndPoint((IPEndPoint)socket.RemoteEndPoint!);
            return await _upgrader.UpgradeAsync(stream, initiator, expected, local, remote, OnInboundStream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _metrics.UpgradeFailed(outbound: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Adds a connection made with <see cref="DialTcpAsync"/> to the host (events, identify, lookup).
    /// Returns the connection to use for the peer: this one, or the duplicate it lost to.
    /// </summary>
    public Libp2pConnection Adopt(Libp2pConnection connection, PathKind path)
    {
        connection.Path = path;
        return Register(connection, inbound: false)!;
    }

    /// <summary>Dials through the first other transport that takes the address, then runs the normal outbound upgrade over it.</summary>
    private async Task<Libp2pConnection> DialOtherAsync(Multiaddr address, PeerId? expected, CancellationToken cancellationToken)
    {
        var transport = (_options.Transports?.Invoke() ?? []).FirstOrDefault(t => t is not TcpMeshTransport && t.CanDial(address))
            ?? throw new TunnelException(TunnelFailure.Unresolved, $"[tunnel.libp2p] no transport can dial {address}");
        ITransportConnection raw;
        using (var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token))
        {
            // A relay dial is a TCP dial plus a hop exchange: give it the upgrade budget on top.
            dialTimeout.CancelAfter(_options.DialTimeout + _options.UpgradeTimeout);
            var dialed = await transport.DialAsync(address, dialTimeout.Token).ConfigureAwait(false);
            // The transport's outcome goes on as the failure of this dial (MeshTunnel turns it back into a value).
            raw = dialed.Ok ? dialed.Connection : throw new TunnelException(dialed.Failure, dialed.Error);
        }
        try
        {
            var local = raw.LocalAddress;
            // The transport's view of the remote may lack the circuit; the dialed address names the path.
            var remote = raw.RemoteAddress.IsRelayed == address.IsRelayed ? raw.RemoteAddress : address;
            var connection = await _upgrader.UpgradeAsync(raw.Stream, initiator: true, expected, local, remote, OnInboundStream, cancellationToken).ConfigureAwait(false);
            _ = connection.Session.Completion.ContinueWith(_ => raw.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap();
            return Register(connection, inbound: false)!;
        }
        catch
        {
            _metrics.UpgradeFailed(outbound: true);
            await raw.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Says that <see cref="DirectAddresses"/> may have changed (interface addresses moved): raises <see cref="AddressesChanged"/> and pushes Identify.</summary>
    public void RefreshAddresses() => OnAnnouncedChanged();

    private void OnAnnouncedChanged()
    {
        AddressesChanged?.Invoke();
        SchedulePush();
    }
}
