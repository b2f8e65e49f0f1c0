using System.Threading.Channels;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Proxy.Iptables.Rules;

namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>
/// The proxy's lifecycle: listeners, tunnel handler, catalog subscription, rule reconciliation.
/// Nothing happens before <see cref="StartAsync"/>; <see cref="StopAsync"/> is safe after a partial start.
/// </summary>
public sealed partial class ProxyHostedService(
    ProxyOptions options,
    ModeChoice choice,
    string nodeName,
    IServiceCatalog catalog,
    IMeshTunnel? tunnel,
    IFailoverPolicy? failover,
    IEndpointPolicy? endpointPolicy,
    IptablesInterceptor? interceptor,
    ProxyMetrics metrics,
    TimeProvider time,
    ILogger<ProxyHostedService> logger,
    INodeLiveness? liveness = null,
    INodeDirectory? directory = null,
    int? adminPort = null,
    IPeerNetwork? network = null) : IHostedService, IAsyncDisposable
{
    private readonly ProxyMode mode = choice.Mode;
    private readonly Dictionary<string, string> _pathsByNode = new(StringComparer.Ordinal);

    /// <summary>How often iptables mode checks that its rules were not removed or reordered by someone else.</summary>
    public static readonly TimeSpan VerifyInterval = TimeSpan.FromSeconds(30);

    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConnectionScope _scope = new();
    private CancellationTokenSource? _stop;
    private ISocketFactory? _sockets;
    private ServiceRegistry? _registry;
    private ListenerSet? _listeners;
    private HealthCheckServer? _healthChecks;
    private TcpAcceptLoop? _redirectLoop;
    // iptables mode: the IPv6 twin of the redirect listener (same port, IPv6 only), or null with the reason in _ipv6Missing.
    private TcpAcceptLoop? _redirectLoop6;
    private string _ipv6Missing = "not started";
    private ClientSourceRouting? _clientSource;
    private SocketLoop? _socketLoop;
    private Task? _clientSourceInstall;
    private IDisposable? _tunnelRegistration;
    private TunnelAuthorizer? _authorizer;
    private Task? _loop;
    private volatile bool _running;
    private long _appliedVersion = -1;

    /// <summary>The resolved mode.</summary>
    public ProxyMode Mode => mode;

    /// <summary>The shared TCP listener port in iptables mode, once started.</summary>
    public int? RedirectPort => _redirectLoop?.Port;

    /// <summary>The local port serving a service port (listen mode; UDP in iptables mode).</summary>
    public int? ListenPortOf(ServiceKey service, int port, TransportProtocol protocol) => _listeners?.PortOf(new PortKey(service, port, protocol));

    /// <summary>Catalog version the proxy last reconciled to (-1 before the first).</summary>
    public long AppliedVersion => Interlocked.Read(ref _appliedVersion);

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _stop = new CancellationTokenSource();
        _sockets = options.Netns is null ? HostSocketFactory.Instance : new NetnsSocketFactory(options.Netns);
        _registry = new ServiceRegistry(options, nodeName, endpointPolicy, metrics, time, logger, liveness: liveness);
        var planner = Planner();
        if (mode == ProxyMode.Iptables && interceptor is not null && options.KeepClientSource)
            _clientSource = new ClientSourceRouting(options, new CommandRunner(options.Netns), interceptor.DetectToolsAsync, logger);
        _socketLoop = OpenSocketLoop();
        var socketLoop = _socketLoop;
        metrics.ObserveLoop(socketLoop is null ? null : () => socketLoop.Relays);
        var dialer = new EndpointDialer(options, planner, tunnel, failover, _sockets, time, logger, _clientSource, metrics, _socketLoop);
        var forwarder = new TcpForwarder(dialer, logger, options.ZeroCopy, _socketLoop);
        var registry = _registry;
        // Connections handed to other plugins (the gateway) are theirs to drive, not the loop's.
        _connector = new ServiceConnector(() => registry.Table,
            _socketLoop is null ? dialer : new EndpointDialer(options, planner, tunnel, failover, _sockets, time, logger, _clientSource, metrics));
        var bind = mode == ProxyMode.Iptables ? IPAddress.Any : options.ListenAddress;
        // Listen mode serves node ports on the ports themselves; in iptables mode rules redirect them.
        var nodePortBind = mode == ProxyMode.Listen ? options.NodePortAddress : null;
        _listeners = new ListenerSet(options, bind, _sockets, () => registry.Table, forwarder, dialer, _scope, time, logger, nodePortBind,
            bindAddress6: mode == ProxyMode.Iptables ? IPAddress.IPv6Any : null);
        _healthChecks = new HealthCheckServer(options.NodePortAddress, _sockets, () => registry.Table, metrics, logger);

        if (mode == ProxyMode.Iptables)
        {
            // REDIRECT in PREROUTING rewrites to the receiving interface's address, in OUTPUT to
            // 127.0.0.1, so the one TCP listener must accept on every address.
            var socket = _sockets.Create(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, options.TcpPort));
            socket.Listen(1024);
            _redirectLoop = new TcpAcceptLoop(socket, ResolveRedirected, forwarder, _scope, logger, dedicatedThread: true);
            _redirectLoop6 = OpenRedirect6(_redirectLoop.Port, forwarder);
        }

        if (tunnel is not null && options.ServeTunnel)
        {
            _authorizer = new TunnelAuthorizer(catalog, nodeName, options, adminPort, directory, metrics);
            var server = new TunnelServer(_authorizer, _sockets, options, logger);
            _tunnelRegistration = tunnel.RegisterHandler(TunnelCodec.ProtocolId, server.HandleAsync);
        }

        catalog.Changed += OnCatalogChanged;
        if (directory is not null) directory.Changed += OnRecordChanged;
        if (network is not null) network.PeerConnected += OnPeerConnected;
        _running = true;
        // The first reconcile runs inline so a broken iptables setup fails the start, loudly.
        await ReconcileAsync(catalog.Current, cancellationToken).ConfigureAwait(false);
        // Keeping client addresses is a refinement, set up off the start path (a dozen ip/iptables runs,
        // 50–125 ms measured): until it is ready, and when it cannot be set up (reported), endpoints see
        // the node's address as before.
        if (_clientSource is { } clientSource) _clientSourceInstall = Task.Run(() => clientSource.InstallAsync(_stop.Token), CancellationToken.None);
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        if (choice.FellBack) logger.AutoChoseListen(choice.Reason);
        logger.Started(mode, choice.Reason);
    }

    // ip6tables REDIRECTs to [::1] (OUTPUT) or the receiving interface's IPv6 address (PREROUTING): an
    // IPv6-only listener on the IPv4 listener's port. A node without IPv6 has none, and its IPv6
    // service addresses are not intercepted (said in the debug log and in status).
    private TcpAcceptLoop? OpenRedirect6(int port, TcpForwarder forwarder)
    {
        Socket? socket = null;
        try
        {
            socket = _sockets!.Create(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            socket.DualMode = false;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            socket.Listen(1024);
            _ipv6Missing = "";
            return new TcpAcceptLoop(socket, ResolveRedirected, forwarder, _scope, logger, dedicatedThread: true);
        }
        catch (SocketException ex)
        {
            socket?.Dispose();
            _ipv6Missing = $"no IPv6 listener on [::]:{port}: {ex.Message}";
            return null;
        }
    }

    /// <summary>
    /// A node's record changed its addresses (a relay reservation, a new listen address): a path to it
    /// may exist now where dials failed before, so its endpoints ejected for those failures come back
    /// at once instead of after <c>ejectForMs</c>. A record republished with the same addresses changes nothing.
    /// </summary>
    private void OnRecordChanged(NodeRecord record)
    {
        var paths = string.Join(' ', record.DirectAddresses.Concat(record.RelayAddresses));
        lock (_pathsByNode)
        {
            if (_pathsByNode.TryGetValue(record.NodeName, out var known) && known == paths) return;
            _pathsByNode[record.NodeName] = paths;
        }
        Readmit(record.NodeName, "the directory has new addresses for " + record.NodeName);
    }

    /// <summary>
    /// A connection to a node's agent came up (its agent restarted on the same addresses, or a relay it
    /// holds a reservation on is back): there is a path to it now, so its endpoints ejected for earlier
    /// failures come back at once. A record republished with the same addresses does not say that.
    /// </summary>
    private void OnPeerConnected(PeerConnection connection)
    {
        if (directory?.ResolvePeer(connection.PeerId) is { } record) Readmit(record.NodeName, record.NodeName + "'s agent is connected");
    }

    private void Readmit(string nodeName, string why)
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var backend in (_registry?.Table ?? ServiceTable.Empty).Entries.Values.SelectMany(e => e.Balancer.Backends).Where(b => b.NodeName == nodeName).Distinct())
        {
            if (backend.Health.Readmit(now)) logger.Readmitted(backend.EndPoint.ToString(), why);
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _running = false;
        catalog.Changed -= OnCatalogChanged;
        if (directory is not null) directory.Changed -= OnRecordChanged;
        if (network is not null) network.PeerConnected -= OnPeerConnected;
        if (_stop is not null) await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _tunnelRegistration?.Dispose();
        _tunnelRegistration = null;

        var removed = false;
        if (interceptor is not null && mode == ProxyMode.Iptables)
        {
            // Rules go first: a redirect to a closed listener would turn service traffic into
            // refused connections instead of letting kube-proxy (if any) take it.
            try
            {
                await interceptor.RemoveAllAsync(cancellationToken).ConfigureAwait(false);
                removed = true;
            }
            catch (PluginMesh.Abstractions.Plugins.PluginMeshException ex)
            {
                // Stop must finish (and close the listeners) even when iptables is broken; the
                // next start replaces whatever is left.
                logger.SyncFailed(ex);
            }
        }
        if (_clientSource is not null)
        {
            try
            {
                if (_clientSourceInstall is not null) await _clientSourceInstall.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped while it was being set up: what was set up is removed below.
            }
            await _clientSource.RemoveAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_redirectLoop is not null) await _redirectLoop.DisposeAsync().ConfigureAwait(false);
        _redirectLoop = null;
        if (_redirectLoop6 is not null) await _redirectLoop6.DisposeAsync().ConfigureAwait(false);
        _redirectLoop6 = null;
        if (_listeners is not null) await _listeners.DisposeAsync().ConfigureAwait(false);
        if (_healthChecks is not null) await _healthChecks.DisposeAsync().ConfigureAwait(false);
        await _scope.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _socketLoop?.Dispose();
        _socketLoop = null;
        metrics.ObserveLoop(null);
        (_sockets as IDisposable)?.Dispose();
        _sockets = null;
        logger.Stopped(removed);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_running) await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _scope.Dispose();
        _stop?.Dispose();
    }

    // Off when not asked for or not Linux; a kernel that refuses epoll leaves the runtime's socket engine in charge, said once.
    private SocketLoop? OpenSocketLoop()
    {
        if (!options.EventLoop || !SocketLoop.Supported) return null;
        try
        {
            return new SocketLoop(logger);
        }
        catch (IOException ex)
        {
            logger.EventLoopUnavailable(ex.Message);
            return null;
        }
    }

    private void OnCatalogChanged(CatalogSnapshot snapshot) => _changed.Writer.TryWrite(true);

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(VerifyInterval);
                var changed = false;
                try
                {
                    changed = await _changed.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false) && _changed.Reader.TryRead(out _);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Quiet period: check that nobody removed or reordered our rules.
                }

                if (!changed && interceptor is not null && mode == ProxyMode.Iptables &&
                    await interceptor.VerifyAsync(cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
                await ReconcileAsync(catalog.Current, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is PluginMesh.Abstractions.Plugins.PluginMeshException or IOException or SocketException)
            {
                logger.SyncFailed(ex);
            }
        }
    }

    private async Task ReconcileAsync(CatalogSnapshot snapshot, CancellationToken cancellationToken)
    {
        var table = _registry!.Apply(snapshot);
        // Listen mode: every entry has listeners of its own (an external one on its node port and
        // external IPs). iptables mode: UDP entries only (TCP shares the redirect listener).
        var wanted = table.Entries
            .Where(kv => mode == ProxyMode.Listen || kv.Key.Protocol == TransportProtocol.Udp)
            .Select(kv => kv.Key);
        await _listeners!.ReconcileAsync(wanted).ConfigureAwait(false);
        await _healthChecks!.ReconcileAsync(table).ConfigureAwait(false);
        if (mode == ProxyMode.Iptables && interceptor is not null) await SyncRulesAsync(table, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _appliedVersion, snapshot.Version);
    }

    private async Task SyncRulesAsync(ServiceTable table, CancellationToken cancellationToken)
    {
        var rules = new List<InterceptRule>(table.ByVip.Count);
        foreach (var (vip, entry) in table.ByVip)
        {
            var v6 = vip.Address.AddressFamily == AddressFamily.InterNetworkV6;
            if (v6 && _redirectLoop6 is null)
            {
                logger.Ipv6Skipped(vip.Address.ToString(), entry.Key.ToString(), _ipv6Missing);
                continue;
            }
            if (ListenerFor(entry, v6) is int p) rules.Add(new InterceptRule(vip.Address, vip.Port, vip.Protocol, p));
        }
        foreach (var ((nodePort, protocol), entry) in table.ByNodePort)
        {
            if (ListenerFor(entry, v6: false) is int p) rules.Add(new InterceptRule(IPAddress.Any, nodePort, protocol, p));
            // A dual-stack Service's node port answers on the node's IPv6 addresses too, as kube-proxy's does.
            if (_redirectLoop6 is not null && entry.HasIpv6Address && ListenerFor(entry, v6: true) is int p6)
                rules.Add(new InterceptRule(IPAddress.IPv6Any, nodePort, protocol, p6));
        }
        // Stable order keeps incremental diffs small and the golden output deterministic. Node ports
        // go last, as kube-proxy's KUBE-NODEPORTS does, so an address rule for the same port wins.
        // Within a family the address bytes in hex order as the address does.
        var ordered = rules
            .OrderBy(r => r.IsNodePort)
            .ThenBy(r => r.ServiceIp.AddressFamily)
            .ThenBy(r => Convert.ToHexString(r.ServiceIp.GetAddressBytes()), StringComparer.Ordinal)
            .ThenBy(r => r.ServicePort)
            .ThenBy(r => r.Protocol)
            .ToList();
        await interceptor!.SyncAsync(ordered, cancellationToken).ConfigureAwait(false);
    }

    // TCP shares the redirect listener of the family; UDP has one listener per entry and family.
    private int? ListenerFor(ServicePortEntry entry, bool v6) =>
        entry.Port.Protocol == TransportProtocol.Tcp ? (v6 ? _redirectLoop6?.Port : _redirectLoop!.Port)
        : v6 ? _listeners!.Ipv6PortOf(entry.Id) : _listeners!.PortOf(entry.Id);

    private ServicePortEntry? ResolveRedirected(Socket accepted)
    {
        var original = OriginalDestination.Get(accepted);
        return original is null ? null : _registry!.Table.Resolve(original, TransportProtocol.Tcp);
    }
}
