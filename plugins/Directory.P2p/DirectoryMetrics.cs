namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>The plugin's instruments (see README "Metrics").</summary>
internal sealed class DirectoryMetrics
{
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _conflicts;

    public DirectoryMetrics(Meter meter, Func<int> recordCount)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableGauge("pluginmesh.directory.records", recordCount, description: "Node records held (including stale ones kept for offline use)");
        _accepted = meter.CreateCounter<long>("pluginmesh.directory.accepted", description: "Records accepted (verified, newer)");
        _rejected = meter.CreateCounter<long>("pluginmesh.directory.rejected", description: "Records rejected, by reason");
        _conflicts = meter.CreateCounter<long>("pluginmesh.directory.conflicts", description: "New claims of a node name already held by another PeerId");
    }

    public void Accepted() => _accepted.Add(1);

    public void Rejected(RejectReason reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", ReasonText(reason)));

    public void Conflict() => _conflicts.Add(1);

    public static string ReasonText(RejectReason reason) => reason switch
    {
        RejectReason.Malformed => "malformed",
        RejectReason.BadKey => "bad_key",
        RejectReason.PeerIdMismatch => "peer_id_mismatch",
        RejectReason.BadSignature => "bad_signature",
        RejectReason.Expired => "expired",
        RejectReason.StaleSequence => "stale_sequence",
        RejectReason.StoreFull => "store_full",
        _ => reason.ToString(),
    };
}
