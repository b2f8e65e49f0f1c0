using PluginMesh.Abstractions.Directory;

namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>
/// Runs <c>proxy.socks5</c>: the SOCKS5 listeners (an endpoint that cannot be bound yet — the agent's
/// 169.254.96.16 before the DNS plugin created its interface — is tried again every few seconds) and
/// the <c>/pluginmesh/socks-target/1.0.0</c> handler that serves other agents' clients.
/// </summary>
/// <remarks>Thread-safe. Nothing is opened before <see cref="StartAsync"/>; <see cref="StopAsync"/> is safe after a partial start.</remarks>
internal sealed class Socks5Service : IHostedService, IStatusContributor
{
    /// <summary>Seconds between attempts to bind an endpoint that could not be bound.</summary>
    public const int RebindSeconds = 2;

    private readonly Socks5Options _options;
    private readonly IMeshTunnel? _tunnel;
    private readonly Socks5Metrics _metrics;
    private readonly ILogger _logger;
    private readonly CredentialsFile? _credentials;
    private readonly TargetServer _server;
    private readonly Socks5Session _session;
    private readonly Slot[] _slots;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _sessions = new();
    private IDisposable? _registration;

    public Socks5Service(Socks5Options options, string nodeName, IServiceCatalog? catalog, IMeshTunnel? tunnel, INodeDirectory? directory,
        IPeerNetwork? network, Socks5Metrics metrics, ILogger logger)
    {
        _options = options;
        _tunnel = tunnel;
        _metrics = metrics;
        _logger = logger;
        _credentials = options.CredentialsFile is { } file ? new CredentialsFile(file) : null;
        var dialer = new LocalDialer(options, nodeName, catalog);
        _server = new TargetServer(new Membership(catalog, directory, network), dialer, options, metrics, logger);
        _session = new Socks5Session(options, options.AuthRequired ? _credentials : null, new TargetResolver(nodeName, catalog), dialer, tunnel, metrics, logger);
        _slots = [.. options.Listen.Select(e => new Slot(e))];
    }

    public string Section => "socks5";

    /// <summary>The bound listen endpoints (ports resolved), in configuration order; those not bound yet are left out.</summary>
    public IReadOnlyList<IPEndPoint> Bound => [.. _slots.Select(s => s.Bound).OfType<IPEndPoint>()];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.AuthRequired) _credentials!.Load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new PluginMeshException(ProxySocks5Plugin.PluginId, "load credentials", e.Message, e);
        }
        if (_options.Serve && _tunnel is not null)
        {
            _registration = _tunnel.RegisterHandler(TargetCodec.ProtocolId, _server.HandleAsync);
            Socks5Log.Serving(_logger, TargetCodec.ProtocolId, string.Join(", ", _options.AllowedPorts));
        }
        foreach (var slot in _slots)
        {
            if (!_options.AuthRequired && !Socks5Options.IsLocal(slot.Endpoint.Address)) Socks5Log.OpenListener(_logger, slot.Endpoint.ToString());
            _loops.Add(Task.Run(() => ListenAsync(slot, _stopping.Token), CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _registration?.Dispose();
        foreach (var slot in _slots) slot.Close();
        await Task.WhenAll([.. _loops, .. _sessions.Keys]).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public object GetStatus() => new Socks5Status(
        [.. _slots.Select(s => new Socks5ListenerStatus(s.Endpoint.ToString(), s.Bound?.ToString(), s.Error))],
        _options.AuthRequired,
        _options.CredentialsFile,
        _credentials?.Users ?? 0,
        _credentials?.Problem,
        _options.Serve && _tunnel is not null,
        [.. _options.AllowedPorts],
        _metrics.Active,
        _metrics.Connections,
        _metrics.Served,
        _metrics.BytesUp,
        _metrics.BytesDown);

    private async Task ListenAsync(Slot slot, CancellationToken cancellationToken)
    {
        var warned = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var listener = new Socket(slot.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                listener.Bind(slot.Endpoint);
                listener.Listen(512);
            }
            catch (SocketException e)
            {
                listener.Dispose();
                slot.Error = e.Message;
                if (!warned) Socks5Log.ListenFailed(_logger, slot.Endpoint.ToString(), e.Message, RebindSeconds);
                warned = true;
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(RebindSeconds), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            slot.Listening(listener);
            Socks5Log.Listening(_logger, slot.Bound!.ToString(), _options.AuthRequired ? "required" : "off");
            await AcceptAsync(listener, cancellationToken).ConfigureAwait(false);
            return;
        }
    }

    private async Task AcceptAsync(Socket listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // One failed accept (the client reset first, out of descriptors for a moment): keep serving.
                continue;
            }
            if (_metrics.Active >= _options.MaxConnections)
            {
                RelayEnd.Reset(client);
                _metrics.Connection("limit");
                continue;
            }
            var session = _session.RunAsync(client, cancellationToken);
            _sessions[session] = true;
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>One listen endpoint and its socket once bound.</summary>
    private sealed class Slot(IPEndPoint endpoint)
    {
        private Socket? _socket;

        public IPEndPoint Endpoint => endpoint;

        public IPEndPoint? Bound { get; private set; }

        public string? Error { get; set; }

        public void Listening(Socket socket)
        {
            _socket = socket;
            Bound = (IPEndPoint)socket.LocalEndPoint!;
            Error = null;
        }

        public void Close()
        {
            _socket?.Dispose();
            Bound = null;
        }
    }
}
