namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>Section <c>directory</c> of <c>/status</c>: in-memory snapshots only, no I/O.</summary>
internal sealed class DirectoryStatusContributor(RecordStore store, SyncTracker tracker, TimeProvider time) : IStatusContributor
{
    public string Section => "directory";

    public object GetStatus() => Build();

    public DirectoryStatus Build()
    {
        var now = time.GetUtcNow();
        var records = store.Snapshot().Select(s =>
        {
            var r = s.Record.Signed.Record;
            return new RecordStatus(r.NodeName, r.PeerId.ToString(), r.Sequence, r.Expires, s.Record.IsExpired(now), s.Chosen,
                [.. r.DirectAddresses.Select(a => a.ToString())], [.. r.RelayAddresses.Select(a => a.ToString())], r.Capabilities, s.Record.Source, s.Record.ReceivedAt);
        }).ToList();
        return new DirectoryStatus(records, store.Conflicts, store.RejectedCounts, tracker.Snapshot());
    }
}
