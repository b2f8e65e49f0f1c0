namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>The plugin's instruments (see README "Metrics").</summary>
/// <param name="meter">The plugin's meter.</param>
/// <param name="recordCount">Records held, for the gauge.</param>
/// <param name="bindings">Node names bound to a PeerId by the API and by its cached view, for the gauge.</param>
internal sealed class DirectoryMetrics(Meter meter, Func<int> recordCount, Func<(long Api, long CachedApi)> bindings)
{
    // Every instrument is a field, created where it is declared (the gauges too).
    private readonly ObservableGauge<int> _records = meter.CreateObservableGauge("pluginmesh.directory.records", recordCount,
        description: "Node records held (including stale ones kept for offline use)");
    private readonly ObservableGauge<long> _bindings = meter.CreateObservableGauge("pluginmesh.directory.bindings", () =>
    {
        var (api, cached) = bindings();
        return new[] { new Measurement<long>(api, new KeyValuePair<string, object?>("source", "api")), new Measurement<long>(cached, new KeyValuePair<string, object?>("source", "cached_api")) };
    }, description: "Node names bound to a PeerId by the Kubernetes API, by source");
    private readonly Counter<long> _accepted = meter.CreateCounter<long>("pluginmesh.directory.accepted", description: "Records accepted (verified, newer)");
    private readonly Counter<long> _rejected = meter.CreateCounter<long>("pluginmesh.directory.rejected", description: "Records rejected, by reason");
    private readonly Counter<long> _conflicts = meter.CreateCounter<long>("pluginmesh.directory.conflicts", description: "New claims of a node name already held by another PeerId");
    private readonly Counter<long> _evicted = meter.CreateCounter<long>("pluginmesh.directory.evicted", description: "Records dropped to stay bounded, by reason");
    private readonly Counter<long> _reconcileFrames = meter.CreateCounter<long>("pluginmesh.directory.reconcile_frames", description: "RECONCILE frames sent (range sync: one per exchange each way once peers agree)");
    private readonly Counter<long> _capped = meter.CreateCounter<long>("pluginmesh.directory.expiry_capped", description: "Records accepted with an expiry further ahead than twice the TTL (held to that bound)");
    private readonly Counter<long> _bootstrapDials = meter.CreateCounter<long>("pluginmesh.directory.bootstrap_dials", description: "Exchanges started with a peer the API binds while too few peers were connected (bootstrap from the cluster)");

    public void Accepted() => _accepted.Add(1);

    public void Rejected(RejectReason reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", ReasonText(reason)));

    public void Conflict() => _conflicts.Add(1);

    public void Evicted(EvictionReason reason) => _evicted.Add(1, new KeyValuePair<string, object?>("reason", reason switch
    {
        EvictionReason.Expired => "expired",
        EvictionReason.LeastRecent => "least_recent",
        _ => "pruned",
    }));

    public void ExpiryCapped() => _capped.Add(1);

    public void ReconcileFrameSent() => _reconcileFrames.Add(1);

    public void BootstrapDial() => _bootstrapDials.Add(1);

    public static string ReasonText(RejectReason reason) => reason switch
    {
        RejectReason.Malformed => "malformed",
        RejectReason.BadKey => "bad_key",
        RejectReason.PeerIdMismatch => "peer_id_mismatch",
        RejectReason.BadSignature => "bad_signature",
        RejectReason.Expired => "expired",
        RejectReason.StaleSequence => "stale_sequence",
        RejectReason.StoreFull => "store_full",
        RejectReason.BindingMismatch => "binding_mismatch",
        RejectReason.RateLimited => "rate_limited",
        _ => reason.ToString(),
    };
}
