using PluginMesh.Plugins.Dns.Mdns.Networking;

namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>
/// Runs the server: creates the dummy interface when asked, follows the catalog, reads upstreams,
/// binds UDP and TCP on every listen endpoint. Stop undoes all of it and is safe after a partial start.
/// </summary>
internal sealed class DnsHostedService : IHostedService
{
    private readonly DnsOptions _options;
    private readonly DnsQueryHandler _handler;
    private readonly ClusterDnsResponder _responder;
    private readonly IServiceCatalog? _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _rebuildLock = new();
    private readonly List<UdpDnsListener> _udp = [];
    private readonly List<TcpDnsListener> _tcp = [];
    private DummyInterface? _interface;
    private bool _subscribed;

    public DnsHostedService(DnsOptions options, DnsQueryHandler handler, ClusterDnsResponder responder, IServiceCatalog? catalog, TimeProvider time, ILogger logger)
    {
        _options = options;
        _handler = handler;
        _responder = responder;
        _catalog = catalog;
        _time = time;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var listen = _options.Listen;
            if (_options.CreateInterface)
            {
                var addresses = listen.Select(e => e.Address)
                    .Where(a => !IPAddress.IsLoopback(a) && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any))
                    .Distinct().ToList();
                if (addresses.Count > 0)
                {
                    _interface = new DummyInterface(_options.InterfaceName, addresses, netns: null, _logger);
                    try
                    {
                        await _interface.EnsureAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (PluginMeshException ex) when (_options.InterfaceDefaulted)
                    {
                        // Root defaults on a machine that cannot make the interface: serve where no interface is needed.
                        _interface = null;
                        listen = [DnsOptions.UnprivilegedListen];
                        _responder.ListenProblem = $"{string.Join(", ", _options.Listen)} not served: {ex.Detail}";
                        DnsLog.InterfaceFallback(_logger, string.Join(", ", _options.Listen), ex.Detail, DnsOptions.UnprivilegedListen.ToString());
                    }
                }
            }

            if (_catalog is not null)
            {
                _catalog.Changed += OnCatalogChanged;
                _subscribed = true;
                Rebuild(_catalog.Current, force: true);
            }

            var bound = new List<EndPoint>();
            foreach (var endpoint in listen)
            {
                var (udpSocket, tcpSocket) = ListenerSockets.Bind(endpoint);
                var udp = new UdpDnsListener(udpSocket, _handler, _time, _logger);
                var tcp = new TcpDnsListener(tcpSocket, _handler, _time, _logger, _options.TcpIdleTimeout, _options.MaxTcpConnections);
                _udp.Add(udp);
                _tcp.Add(tcp);
                udp.Start(Math.Max(2, Environment.ProcessorCount));
                tcp.Start();
                bound.Add(udp.LocalEndPoint);
            }
            _responder.ListenEndpoints = bound;

            var own = bound.Cast<IPEndPoint>().ToList();
            _handler.Forwarder.Upstreams = _options.Upstreams.Count > 0
                ? _options.Upstreams.Where(u => !ResolvConf.IsOwn(u, own)).ToList()
                : await ReadResolvConfAsync(own, cancellationToken).ConfigureAwait(false);

            DnsLog.Started(_logger, _options.ClusterDomain, string.Join(", ", bound),
                _handler.Forwarder.Upstreams.Count > 0 ? string.Join(", ", _handler.Forwarder.Upstreams) : "(none)");
        }
        catch
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_subscribed && _catalog is not null)
        {
            _catalog.Changed -= OnCatalogChanged;
            _subscribed = false;
        }
        foreach (var udp in _udp) await udp.DisposeAsync().ConfigureAwait(false);
        foreach (var tcp in _tcp) await tcp.DisposeAsync().ConfigureAwait(false);
        _udp.Clear();
        _tcp.Clear();
        if (_interface is not null) await _interface.RemoveAsync(cancellationToken).ConfigureAwait(false);
        _interface = null;
    }

    private async Task<List<IPEndPoint>> ReadResolvConfAsync(List<IPEndPoint> own, CancellationToken cancellationToken)
    {
        try
        {
            var text = await File.ReadAllTextAsync(_options.ResolvConf, cancellationToken).ConfigureAwait(false);
            var upstreams = ResolvConf.Parse(text, own);
            if (upstreams.Count == 0) DnsLog.NoUpstreams(_logger, _options.ResolvConf, "no usable nameserver line");
            return upstreams;
        }
        catch (IOException ex)
        {
            DnsLog.NoUpstreams(_logger, _options.ResolvConf, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            DnsLog.NoUpstreams(_logger, _options.ResolvConf, ex.Message);
        }
        return [];
    }

    private void OnCatalogChanged(CatalogSnapshot snapshot) => Rebuild(snapshot, force: false);

    /// <summary>
    /// Rebuilds on the publishing thread so the change is visible to the very next query; snapshots
    /// older than the one served (a late event) are ignored.
    /// </summary>
    private void Rebuild(CatalogSnapshot snapshot, bool force)
    {
        lock (_rebuildLock)
        {
            var serving = _handler.Zone.CatalogVersion;
            if (!force && snapshot.Version <= serving) return;
            try
            {
                var zone = ZoneBuilder.Build(snapshot, _options.ClusterDomain, _options.Ttl);
                _handler.Zone = zone;
                DnsLog.ZoneRebuilt(_logger, snapshot.Version, zone.NameCount);
            }
#pragma warning disable CA1031 // a catalog event handler must not throw (IServiceCatalog contract)
            catch (Exception ex)
#pragma warning restore CA1031
            {
                DnsLog.ZoneRebuildFailed(_logger, snapshot.Version, serving, ex);
            }
        }
    }
}
