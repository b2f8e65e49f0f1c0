namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>How a <see cref="Libp2pHost"/> runs. The identity key stays owned by the caller.</summary>
public sealed record Libp2pHostOptions
{
    public required PrivateKey Identity { get; init; }

    /// <summary>Addresses to listen on (<c>/ip4|ip6/…/tcp/…</c>; port 0 picks a free one).</summary>
    public IReadOnlyList<Multiaddr> ListenAddresses { get; init; } = [];

    /// <summary>When set, every connection is a private-network (pnet) connection with this key.</summary>
    public SwarmKey? PrivateNetworkKey { get; init; }

    public YamuxOptions Yamux { get; init; } = new();

    /// <summary>TCP connect time limit.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit for pnet + multistream + Noise + muxer on a new connection.</summary>
    public TimeSpan UpgradeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit for multistream-select on a new stream (js uses 10 s too).</summary>
    public TimeSpan ProtocolNegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections (established and being upgraded) beyond which new inbound ones are closed at once, counted.</summary>
    public int MaxConnections { get; init; } = 512;

    /// <summary>
    /// Open connections one peer may have with us (direct, relayed and ones being retired); a further
    /// inbound one is closed right after the handshake, counted and logged. Our own dials are not refused.
    /// </summary>
    public int MaxConnectionsPerPeer { get; init; } = 4;

    /// <summary>A connection with no open stream for this long is closed (GoAway). Zero keeps idle connections.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Extra addresses announced in Identify and to discovery (relay circuits); shared with the owner.</summary>
    public AnnouncedAddresses Announced { get; init; } = new();

    /// <summary>
    /// Other transports (a relay client) for addresses TCP cannot dial. Called at dial time, not at
    /// construction, because those transports themselves depend on the network (DI cycle otherwise).
    /// </summary>
    public Func<IEnumerable<PluginMesh.Abstractions.Tunnel.ITransport>>? Transports { get; init; }

    /// <summary>Creates TCP sockets (tests create them inside network namespaces); null for plain sockets.</summary>
    public Func<System.Net.Sockets.AddressFamily, System.Net.Sockets.Socket>? SocketFactory { get; init; }

    /// <summary>Clock for idle tracking (tests pass their own).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public string AgentVersion { get; init; } = "pluginmesh/" + (typeof(Libp2pHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>Where counters go (the plugin passes its meter); null records nothing.</summary>
    public System.Diagnostics.Metrics.Meter? Meter { get; init; }
}
