namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>Counters of the libp2p host, on the plugin's meter (<c>PluginMesh.tunnel.libp2p</c>).</summary>
internal sealed class Libp2pMetrics
{
    private readonly Counter<long>? _opened;
    private readonly Counter<long>? _closed;
    private readonly Counter<long>? _silentClosed;
    private readonly Counter<long>? _upgradeFailures;
    private readonly Counter<long>? _streamsRejected;
    private readonly Counter<long>? _inboundStreams;
    private readonly Counter<long>? _connectionsRefused;
    private readonly Counter<long>? _idleClosed;
    private readonly Counter<long>? _duplicates;

    /// <param name="bufferedBytes">Unread received bytes over all connections, for the gauge.</param>
    /// <param name="openMesh">True without a PSK: anyone who completes a Noise handshake is connected.</param>
    /// <param name="hostBudget">The node-wide receive budget, for its gauges; null when none.</param>
    public Libp2pMetrics(Meter? meter, Func<long> bufferedBytes, bool openMesh, PluginMesh.Plugins.Tunnel.Libp2p.Yamux.YamuxReceiveBudget? hostBudget = null)
    {
        if (meter is null) return;
        _opened = meter.CreateCounter<long>("pluginmesh.libp2p.connections.opened", description: "Upgraded libp2p connections, by direction");
        _closed = meter.CreateCounter<long>("pluginmesh.libp2p.connections.closed", description: "Closed libp2p connections");
        _upgradeFailures = meter.CreateCounter<long>("pluginmesh.libp2p.upgrade.failures", description: "Connections that failed pnet/multistream/Noise/muxer set-up, by direction");
        _streamsRejected = meter.CreateCounter<long>("pluginmesh.libp2p.streams.rejected", description: "Inbound streams reset, by reason: limit (per-connection stream limit) or budget (host receive budget full)");
        _inboundStreams = meter.CreateCounter<long>("pluginmesh.libp2p.streams.inbound", description: "Inbound streams accepted, by negotiated protocol");
        _connectionsRefused = meter.CreateCounter<long>("pluginmesh.libp2p.connections.refused", description: "Inbound connections closed because a connection limit was reached, by limit (total, per_peer)");
        _silentClosed = meter.CreateCounter<long>("pluginmesh.libp2p.connections.silent_closed", description: "Connections closed because the peer stopped answering: nothing after a stream was opened and the liveness ping unanswered, or the keep-alive ping unanswered");
        _idleClosed = meter.CreateCounter<long>("pluginmesh.libp2p.connections.idle_closed", description: "Connections closed after having no stream for the idle timeout");
        _duplicates = meter.CreateCounter<long>("pluginmesh.libp2p.connections.deduplicated", description: "Direct connections retired because both peers dialed each other (closed once their streams finish)");
        meter.CreateObservableGauge("pluginmesh.libp2p.open_mesh", () => openMesh ? 1 : 0, description: "1 while the tunnel runs without a PSK (anyone may connect), 0 with one");
        if (hostBudget is not null)
        {
            meter.CreateObservableGauge("pluginmesh.libp2p.receive.budget", () => hostBudget.Cap, unit: "By", description: "The node-wide receive budget (all connections together)");
            meter.CreateObservableGauge("pluginmesh.libp2p.receive.committed", () => hostBudget.Committed, unit: "By", description: "Receive memory committed over all connections: unread bytes plus window granted to peers");
        }
        meter.CreateObservableGauge("pluginmesh.libp2p.receive.buffered", bufferedBytes, unit: "By", description: "Received bytes not yet read by the application, over all connections");
    }

    public void ConnectionOpened(bool outbound) => _opened?.Add(1, new KeyValuePair<string, object?>("direction", outbound ? "out" : "in"));

    public void ConnectionClosed() => _closed?.Add(1);

    public void UpgradeFailed(bool outbound) => _upgradeFailures?.Add(1, new KeyValuePair<string, object?>("direction", outbound ? "out" : "in"));

    public void StreamRejected(string reason) => _streamsRejected?.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ConnectionRefused(bool perPeer) => _connectionsRefused?.Add(1, new KeyValuePair<string, object?>("limit", perPeer ? "per_peer" : "total"));

    public void DuplicateRetired() => _duplicates?.Add(1);

    public void IdleClosed() => _idleClosed?.Add(1);

    public void SilentClosed() => _silentClosed?.Add(1);

    public void InboundStream(string protocol) => _inboundStreams?.Add(1, new KeyValuePair<string, object?>("protocol", protocol));
}
