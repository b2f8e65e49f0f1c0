using Yarp.ReverseProxy.Forwarder;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// Runs <c>gateway.istio</c>: builds the configuration from the catalog whenever it changes
/// (<see cref="GatewayConfigBuilder.Build"/>), opens a port server per listener and swaps the
/// listener (routes, certificates) of ports that stay — connections under way keep theirs — and
/// drains ports no Gateway server uses any more. A port that cannot be bound is tried again.
/// </summary>
/// <remarks>Thread-safe. Nothing is opened before <see cref="StartAsync"/>; <see cref="StopAsync"/> is safe after a partial start.</remarks>
internal sealed class GatewayService : IHostedService, IStatusContributor, IAsyncDisposable
{
    /// <summary>Seconds between attempts to bind a port that could not be bound.</summary>
    public const int RebindSeconds = 5;

    private readonly GatewayOptions _options;
    private readonly IServiceCatalog? _catalog;
    private readonly IServiceConnector? _connector;
    private readonly GatewayMetrics _metrics;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TlsSelector _tls = new();
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    // Cut short the drain of removed ports when the agent stops.
    private readonly CancellationTokenSource _hurry = new();
    private readonly Dictionary<int, IPortServer> _ports = [];
    private readonly Dictionary<int, string> _errors = [];
    private readonly List<Task> _draining = [];
    private ServiceProvider? _services;
    private ServiceClients? _clients;
    private HttpProxy? _proxy;
    private AccessLog? _accessLog;
    private IReadOnlyList<IPAddress> _addresses = [];
    private Task? _loop;
    private int _pending;
    private volatile GatewayConfig _config = GatewayConfig.Empty;

    public GatewayService(GatewayOptions options, IServiceCatalog? catalog, IServiceConnector? connector, GatewayMetrics metrics, ILoggerFactory loggers)
    {
        _options = options;
        _catalog = catalog;
        _connector = connector;
        _metrics = metrics;
        _loggers = loggers;
        _logger = loggers.CreateLogger("PluginMesh.Plugins.Gateway.Istio");
    }

    public string Section => "gateway";

    /// <summary>The configuration in effect.</summary>
    public GatewayConfig Config => _config;

    /// <summary>The endpoints a port is bound to (empty when it is not listening).</summary>
    public IReadOnlyList<string> BoundOf(int port)
    {
        lock (_ports) return _ports.TryGetValue(port, out var server) ? server.Bound : [];
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // YARP's forwarder logs every failed request with its stack trace; the gateway answers, counts
        // and access-logs those itself, so the forwarder gets no logger.
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddHttpForwarder();
        _services = services.BuildServiceProvider();
        _accessLog = AccessLog.Open(_options.AccessLog, _metrics, _logger);
        _clients = new ServiceClients(_connector, _metrics, _options.ClusterDomain);
        _proxy = new HttpProxy(_services.GetRequiredService<IHttpForwarder>(), _clients, _metrics, _accessLog);
        _addresses = ListenAddresses.Resolve(_options.IncludeInterfaces, _options.ExcludeInterfaces);
        if (_connector is null) GatewayLog.NoConnector(_logger);
        if (_catalog is null) return;
        _catalog.Changed += OnChanged;
        await ApplyAsync(Build(_catalog.Current) ?? GatewayConfig.Empty, cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(() => RebuildLoopAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_catalog is not null) _catalog.Changed -= OnChanged;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        await _applying.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            List<IPortServer> ports;
            lock (_ports)
            {
                ports = [.. _ports.Values];
                _ports.Clear();
            }
            await _hurry.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(ports.Select(p => p.StopAsync(TimeSpan.FromSeconds(2)))).ConfigureAwait(false);
            Task[] draining;
            lock (_draining) draining = [.. _draining];
            await Task.WhenAll(draining).ConfigureAwait(false);
            _clients?.Dispose();
            if (_accessLog is not null) await _accessLog.DisposeAsync().ConfigureAwait(false);
            if (_services is not null) await _services.DisposeAsync().ConfigureAwait(false);
            _accessLog = null;
            _services = null;
        }
        finally
        {
            _applying.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// Puts <paramref name="config"/> into effect: new ports opened, ports gone drained for
    /// <see cref="GatewayOptions.DrainTimeout"/>, the others given the new listener.
    /// </summary>
    internal async Task ApplyAsync(GatewayConfig config, CancellationToken cancellationToken)
    {
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_proxy is null) throw new InvalidOperationException("[gateway.istio] apply: the gateway is not started");
            foreach (var (port, listener) in config.Listeners.OrderBy(l => l.Key))
            {
                IPortServer? existing;
                lock (_ports) _ports.TryGetValue(port, out existing);
                // A port keeps its listener unless what it speaks changes (bound with the protocol, HTTP/2 or not).
                if (existing is not null && existing.Protocol == listener.Protocol && existing.Listener.CleartextHttp2 == listener.CleartextHttp2)
                {
                    existing.Listener = listener;
                    continue;
                }
                if (existing is not null) Drain(port, existing);
                await OpenAsync(listener, cancellationToken).ConfigureAwait(false);
            }
            List<KeyValuePair<int, IPortServer>> gone;
            lock (_ports) gone = [.. _ports.Where(p => !config.Listeners.ContainsKey(p.Key))];
            foreach (var (port, server) in gone) Drain(port, server);
            lock (_errors)
            {
                foreach (var port in _errors.Keys.Where(p => !config.Listeners.ContainsKey(p)).ToList()) _errors.Remove(port);
            }
            _tls.Prune(config);
            _clients!.Prune(config, _options.DrainTimeout);
            // Each warning is logged once, when it first appears.
            foreach (var warning in config.Warnings.Except(_config.Warnings)) GatewayLog.ConfigWarning(_logger, warning);
            _config = config;
            GatewayLog.Applied(_logger, config.Version, config.Listeners.Count, config.Listeners.Values.Sum(l => l.HttpRoutes.Count + l.StreamRoutes.Count), config.Warnings.Count);
        }
        finally
        {
            _applying.Release();
        }
    }

    public object GetStatus()
    {
        var config = _config;
        var listeners = config.Listeners.Values.OrderBy(l => l.Port).Select(l =>
        {
            string? error;
            lock (_errors) error = _errors.GetValueOrDefault(l.Port);
            return new GatewayListenerStatus(l.Port, l.CleartextHttp2 ? "HTTP2" : l.Protocol.ToString().ToUpperInvariant(), BoundOf(l.Port), error,
                [.. l.Servers.Select(ServerStatus)],
                [.. l.HttpRoutes.Select(r => Describe(r.Name, r.Destinations, r.Direct is null ? null : $"direct {r.Direct.Status}"))
                    .Concat(l.StreamRoutes.Select(r => Describe(r.Name, r.Destinations, null)))]);
        }).ToList();
        return new GatewayStatus(config.Version, _options.GatewayLabels, _connector is not null, listeners, config.Warnings, _metrics.Active,
            _metrics.Requests, _metrics.Streams, _metrics.Retries, _metrics.HandshakeFailures, _options.AccessLog, _metrics.AccessLogDropped, _metrics.Mirrors);
    }

    private static GatewayServerStatus ServerStatus(GatewayServer server) =>
        new(server.Gateway, server.Name, server.Hosts, server.Tls?.Mode.ToString().ToUpperInvariant(),
            server.Tls?.Certificate is { } c
                ? new GatewayCertificateStatus(c.Secret, c.Certificate.Subject, c.Fingerprint, c.Certificate.NotAfter.ToUniversalTime(), c.ClientCa.Count)
                : null);

    private static string Describe(string name, IReadOnlyList<RouteDestination> destinations, string? direct) =>
        $"{name} → {direct ?? string.Join(", ", destinations.Select(d => $"{d.Service}:{d.Port} {d.Weight}"))}";

    private async Task OpenAsync(GatewayListener listener, CancellationToken cancellationToken)
    {
        try
        {
            IPortServer server = listener.Protocol is ServerProtocol.Http or ServerProtocol.Https
                ? await HttpPortServer.StartAsync(listener, _addresses, _options, _proxy!, _tls, _metrics, _loggers, cancellationToken).ConfigureAwait(false)
                : StreamPortServer.Start(listener, _addresses, _connector, _metrics, _accessLog, _options.MaxConnections, _logger);
            lock (_ports) _ports[listener.Port] = server;
            lock (_errors) _errors.Remove(listener.Port);
            GatewayLog.Listening(_logger, listener.Port, listener.Protocol.ToString().ToUpperInvariant(), string.Join(", ", server.Bound));
        }
        catch (IOException e)
        {
            bool known;
            lock (_errors)
            {
                known = _errors.TryGetValue(listener.Port, out var before) && before == e.Message;
                _errors[listener.Port] = e.Message;
            }
            if (!known) GatewayLog.ListenFailed(_logger, listener.Port, e.Message, RebindSeconds);
        }
    }

    private void Drain(int port, IPortServer server)
    {
        lock (_ports) _ports.Remove(port);
        GatewayLog.Closed(_logger, port, (int)_options.DrainTimeout.TotalSeconds);
        var stopping = server.StopAsync(_options.DrainTimeout, _hurry.Token);
        lock (_draining)
        {
            _draining.RemoveAll(t => t.IsCompleted);
            _draining.Add(stopping);
        }
    }

    private GatewayConfig? Build(CatalogSnapshot snapshot)
    {
        try
        {
            return GatewayConfigBuilder.Build(snapshot, _options.GatewayLabels, _options.ClusterDomain);
        }
        catch (Exception e)
        {
            // The builder never throws for bad input: this is a bug, and the gateway keeps serving.
            GatewayLog.BuildFailed(_logger, e);
            return null;
        }
    }

    private void OnChanged(CatalogSnapshot snapshot)
    {
        if (Interlocked.Exchange(ref _pending, 1) == 0) _changed.Release();
    }

    private async Task RebuildLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            bool failedPorts;
            lock (_errors) failedPorts = _errors.Count > 0;
            try
            {
                var signalled = await _changed.WaitAsync(failedPorts ? TimeSpan.FromSeconds(RebindSeconds) : Timeout.InfiniteTimeSpan, cancellationToken)
                    .ConfigureAwait(false);
                Interlocked.Exchange(ref _pending, 0);
                var config = signalled ? Build(_catalog!.Current) : _config;
                if (config is not null) await ApplyAsync(config, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
