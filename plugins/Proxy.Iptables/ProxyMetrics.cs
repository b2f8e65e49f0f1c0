namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>The plugin's instruments on the host-provided meter.</summary>
public sealed class ProxyMetrics
{
    private readonly Counter<long> _connections;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _dialFailures;
    private readonly Histogram<double> _syncDuration;
    private readonly Counter<long> _tunnelRefused;
    private readonly Counter<long> _healthChecks;
    private readonly Counter<long> _clientSourceKept;
    private long _active;
    private int _rules;
    private Func<long>? _loopRelayed;

    /// <summary>Creates the instruments.</summary>
    public ProxyMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _connections = meter.CreateCounter<long>("pluginmesh.proxy.connections", description: "Proxied connections (TCP) and sessions (UDP)");
        _bytes = meter.CreateCounter<long>("pluginmesh.proxy.bytes", unit: "By", description: "Bytes forwarded");
        _dialFailures = meter.CreateCounter<long>("pluginmesh.proxy.dial.failures", description: "Failed endpoint dials");
        _tunnelRefused = meter.CreateCounter<long>("pluginmesh.proxy.tunnel.refused", description: "Tunnel streams refused by the serving side, by reason");
        _healthChecks = meter.CreateCounter<long>("pluginmesh.proxy.health_checks", description: "Health check node port requests answered, by service and result (local endpoints or none)");
        _clientSourceKept = meter.CreateCounter<long>("pluginmesh.proxy.client_source_kept", description: "Connections to a Local-policy endpoint made from the client's own address, by service");
        _syncDuration = meter.CreateHistogram<double>("pluginmesh.proxy.sync.duration", unit: "ms", description: "Rule sync duration");
        meter.CreateObservableGauge("pluginmesh.proxy.active", () => Interlocked.Read(ref _active), description: "Open proxied connections and sessions");
        meter.CreateObservableGauge("pluginmesh.proxy.rules", () => Volatile.Read(ref _rules), description: "Interception rules installed");
        meter.CreateObservableCounter("pluginmesh.proxy.event_loop.relayed", () => Volatile.Read(ref _loopRelayed)?.Invoke() ?? 0,
            description: "Connections relayed on the proxy's own event loop (eventLoop: true) since start");
    }

    /// <summary>Where <c>pluginmesh.proxy.event_loop.relayed</c> reads from (the running loop; null when there is none).</summary>
    public void ObserveLoop(Func<long>? relayed) => Volatile.Write(ref _loopRelayed, relayed);

    /// <summary>Open connections now.</summary>
    public long Active => Interlocked.Read(ref _active);

    /// <summary>A connection was established.</summary>
    public void Connection(string service, string path)
    {
        _connections.Add(1, new("service", service), new("path", path));
        Interlocked.Increment(ref _active);
    }

    /// <summary>A connection ended.</summary>
    public void Closed() => Interlocked.Decrement(ref _active);

    /// <summary>Bytes forwarded; direction <c>in</c> (client→endpoint) or <c>out</c>.</summary>
    public void Bytes(string service, bool inbound, long bytes) =>
        _bytes.Add(bytes, new("service", service), new("direction", inbound ? "in" : "out"));

    /// <summary>A dial failed.</summary>
    public void DialFailure(string service, string reason) =>
        _dialFailures.Add(1, new("service", service), new("reason", reason));

    /// <summary>The serving side refused a tunnel stream (<paramref name="reason"/>: <c>not_member</c>, <c>control_plane</c>, …).</summary>
    public void TunnelRefused(string reason) => _tunnelRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A health check node port answered: 200 (<paramref name="local"/>: endpoints on this node) or 503.</summary>
    public void HealthCheck(string service, bool local) =>
        _healthChecks.Add(1, new("service", service), new("result", local ? "local_endpoints" : "no_local_endpoints"));

    /// <summary>A connection to an endpoint was made from the client's address (externalTrafficPolicy Local).</summary>
    public void ClientSourceKept(string service) => _clientSourceKept.Add(1, new KeyValuePair<string, object?>("service", service));

    /// <summary>A sync finished.</summary>
    public void Sync(double ms, int rules)
    {
        _syncDuration.Record(ms);
        Volatile.Write(ref _rules, rules);
    }
}
