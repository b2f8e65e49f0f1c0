using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Directory.P2p.Api;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Sync;

namespace PluginMesh.Plugins.Directory.P2p;

/// <summary>Section <c>directory</c> of <c>/status</c>: in-memory snapshots only, no I/O.</summary>
internal sealed class DirectoryStatusContributor(RecordStore store, SyncTracker tracker, TimeProvider time, ApiView? api = null, INodeLiveness? liveness = null) : IStatusContributor
{
    public string Section => "directory";

    public object GetStatus() => Build();

    public DirectoryStatus Build()
    {
        var now = time.GetUtcNow();
        var records = store.Snapshot().Select(s =>
        {
            var r = s.Record.Signed.Record;
            return new RecordStatus(r.NodeName, r.PeerId.ToString(), r.Sequence, s.Record.EffectiveExpires, s.Record.IsExpired(now), s.Chosen,
                [.. r.DirectAddresses.Select(a => a.ToString())], [.. r.RelayAddresses.Select(a => a.ToString())], r.Capabilities, s.Record.Source, s.Record.ReceivedAt,
                SourceText(s.Binding), r.Offers);
        }).ToList();
        var bindings = store.Bindings.Select(b => new BindingStatus(b.NodeName, b.PeerId.ToString(), SourceText(b.Source),
            [.. b.Addresses.Select(a => a.ToString())], b.OffersRelay, b.ConfirmedAt)).ToList();
        var state = api?.State;
        return new DirectoryStatus(records, bindings, new ApiStatus(state?.HasApi ?? false, state?.Connected ?? false, state?.OfflineSince),
            store.Conflicts, store.RejectedCounts, tracker.Snapshot(), liveness?.Retired ?? []);
    }

    public static string SourceText(RecordSource source) => source switch
    {
        RecordSource.Api => "api",
        RecordSource.CachedApi => "cached-api",
        _ => "gossip",
    };
}
