using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;
using PluginMesh.Plugins.Tunnel.Libp2p.Discovery;
using PluginMesh.Plugins.Tunnel.Libp2p.Network;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Plugin;

/// <summary>
/// Owns the node's <see cref="Libp2pHost"/>: loads (or creates) the key at start, binds, and closes
/// everything at stop. Safe to stop after a partial start.
/// </summary>
public sealed class Libp2pNodeService : IHostedService, IAsyncDisposable
{
    private readonly System.Diagnostics.ActivitySource? _activities;
    private readonly Libp2pOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly System.Diagnostics.Metrics.Meter? _meter;
    private readonly IServiceProvider? _services;
    private readonly Lazy<PrivateKey> _identity;
    private Libp2pHost? _host;
    private DiscoveryConnector? _discovery;
    private AutoNatClient? _autoNat;
    private HolePunchService? _holePunch;
    private readonly List<IDisposable> _subscriptions = [];

    /// <param name="services">Where other transports (relay) are found at dial time; null for TCP only.</param>
    /// <param name="activities">The plugin's ActivitySource; hole punches (path changes) are traced on it.</param>
    public Libp2pNodeService(Libp2pOptions options, ILoggerFactory loggerFactory, System.Diagnostics.Metrics.Meter? meter = null, IServiceProvider? services = null, TimeProvider? timeProvider = null,
        System.Diagnostics.ActivitySource? activities = null)
    {
        _activities = activities;
        _options = options;
        _loggerFactory = loggerFactory;
        _meter = meter;
        _services = services;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _identity = options.EphemeralKey ? new(PrivateKey.Generate) : new(() => KeyFile.LoadOrCreate(options.KeyFile));
        var (budget, source) = ReceiveBudgetSizing.Resolve(options.MaxReceiveBufferMiB);
        ReceiveBudget = new YamuxReceiveBudget(budget);
        ReceiveBudgetSource = source;
        ClusterRanges = new ClusterRanges(() => services?.GetService<PluginMesh.Abstractions.Catalog.IServiceCatalog>());
        LocalPeer = new LocalPeer(this);
        Network = new PeerNetwork(this, loggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p.Network"));
    }

    /// <summary>The node-wide receive budget every connection draws on (see <see cref="ReceiveBudgetSizing"/>).</summary>
    public YamuxReceiveBudget ReceiveBudget { get; }

    /// <summary>Where <see cref="ReceiveBudget"/>'s cap came from: <c>config</c>, <c>cgroup</c> or <c>default</c>.</summary>
    public string ReceiveBudgetSource { get; }

    /// <summary>Addresses announced on behalf of other plugins; kept across host restarts.</summary>
    public AnnouncedAddresses Announced { get; } = new();

    /// <summary>The cluster's pod CIDRs (from the catalog): never advertised, dialed last.</summary>
    public ClusterRanges ClusterRanges { get; }

    /// <summary>This node as <see cref="PluginMesh.Abstractions.Tunnel.ILocalPeer"/> (the instance DI hands out).</summary>
    public LocalPeer LocalPeer { get; }

    /// <summary>This node's network as <see cref="PluginMesh.Abstractions.Tunnel.IPeerNetwork"/> (the instance DI hands out).</summary>
    public PeerNetwork Network { get; }

    public TimeProvider TimeProvider { get; }

    public Libp2pOptions Options => _options;

    public ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>This node's identity: the key file, read or created on first use, or with <see cref="Libp2pOptions.EphemeralKey"/> a key made in memory.</summary>
    public PrivateKey Identity => _identity.Value;

    /// <summary>The running host; null before start and after stop.</summary>
    public Libp2pHost? Host => Volatile.Read(ref _host);

    /// <summary>Connects peers found by every <see cref="PluginMesh.Abstractions.Discovery.IPeerDiscovery"/> in DI; null when not running.</summary>
    public DiscoveryConnector? Discovery => Volatile.Read(ref _discovery);

    /// <summary>DCUtR hole punching; null when disabled or not running.</summary>
    public HolePunchService? HolePunch => Volatile.Read(ref _holePunch);

    /// <summary>The AutoNAT client; null when disabled or not running.</summary>
    public AutoNatClient? AutoNat => Volatile.Read(ref _autoNat);

    /// <summary>Raised once the host is listening, so handlers registered early can be attached.</summary>
    public event Action<Libp2pHost>? Started;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Warned, not refused: a Secret volume's or a config tool's mode is the operator's to fix, and refusing
        // would stop a whole mesh over one file's mode bits.
        if (_options.PskFile is { } pskFile && File.Exists(pskFile) && PrivateFile.SharedMode(pskFile) is { } shared)
            HostLog.SharedSwarmKey(_loggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p"), pskFile, PrivateFile.Octal(shared));
        var host = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = Identity,
            ListenAddresses = _options.Listen,
            PrivateNetworkKey = _options.PskFile is null ? null : SwarmKey.Load(_options.PskFile),
            Yamux = new YamuxOptions
            {
                MaxInboundStreams = _options.MaxInboundStreamsPerConnection,
                MaxStreamWindow = (uint)_options.MaxStreamWindowMiB * 1024 * 1024,
                MaxSessionBuffer = (long)_options.MaxSessionBufferMiB * 1024 * 1024,
                HostBudget = ReceiveBudget,
            },
            LoggerFactory = _loggerFactory,
            Meter = _meter,
            MaxConnections = _options.MaxConnections,
            MaxConnectionsPerPeer = _options.MaxConnectionsPerPeer,
            IdleTimeout = TimeSpan.FromSeconds(_options.IdleTimeoutSeconds),
            Announced = Announced,
            TimeProvider = TimeProvider,
            // Resolved per dial: the relay transport depends on IPeerNetwork, which depends on us.
            Transports = _services is null ? null : () => _services.GetServices<ITransport>(),
        });
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        if (_options.AutoNat.Enabled)
        {
            var logger = _loggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p.AutoNat");
            var server = new AutoNatServer(host, _options.AutoNat, logger, TimeProvider);
            host.SetStreamHandler(AutoNatServer.ProtocolId, server.ServeAsync);
            var client = new AutoNatClient(host, _options.AutoNat, Network.SetReachability, () => Network.Reachability, logger, TimeProvider);
            Volatile.Write(ref _autoNat, client);
            client.Start();
        }
        if (_options.HolePunch)
        {
            var punch = new HolePunchService(host, _options.AutoNat.Ranges, () => _services?.GetService<IFailoverPolicy>(), _meter,
                _loggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p.HolePunch"), TimeProvider, _activities);
            lock (_subscriptions) _subscriptions.Add(punch.Attach());
            Volatile.Write(ref _holePunch, punch);
        }
        Volatile.Write(ref _host, host);
        // A pod CIDR learned later (the node's own, from the API or the cache) takes its gateway address out of what we advertise.
        LocalPeer.RememberAddresses();
        lock (_subscriptions) _subscriptions.Add(ClusterRanges.Watch(LocalPeer.RangesChanged));
        Started?.Invoke(host);
        // A wildcard listener is dialable on whatever the interfaces hold: follow them (an address added after start).
        if (_options.Listen.Any(a => a.IsUnspecified))
        {
            lock (_subscriptions) _subscriptions.Add(new InterfaceWatch(host, LocalPeer.RaiseChanged));
        }
        // Discoveries are optional and resolved only now: they advertise ILocalPeer, which is ours.
        var discoveries = _services?.GetServices<IPeerDiscovery>().ToList() ?? [];
        if (discoveries.Count > 0)
        {
            var connector = new DiscoveryConnector(host, _loggerFactory.CreateLogger("PluginMesh.Tunnel.Libp2p.Discovery"));
            lock (_subscriptions) _subscriptions.AddRange(discoveries.Select(connector.Attach));
            Volatile.Write(ref _discovery, connector);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_subscriptions)
        {
            foreach (var s in _subscriptions) s.Dispose();
            _subscriptions.Clear();
        }
        Volatile.Write(ref _holePunch, null);
        var autoNat = Interlocked.Exchange(ref _autoNat, null);
        if (autoNat is not null) await autoNat.DisposeAsync().ConfigureAwait(false);
        var discovery = Interlocked.Exchange(ref _discovery, null);
        if (discovery is not null) await discovery.DisposeAsync().ConfigureAwait(false);
        var host = Interlocked.Exchange(ref _host, null);
        if (host is not null) await host.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_identity.IsValueCreated) _identity.Value.Dispose();
    }
}
