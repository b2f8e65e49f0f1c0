using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>Decides member vs outsider for a PeerId (see <see cref="MembershipMode"/>). Thread-safe; reads never block.</summary>
internal sealed class Membership(MembershipMode mode, IReadOnlySet<PeerId> trusted, INodeDirectory? directory, IServiceCatalog? catalog, IPeerNetwork? network, TimeProvider time)
{
    private volatile ApiBindings? _api;

    public bool IsMember(PeerId peerId) =>
        trusted.Contains(peerId) || mode switch
        {
            MembershipMode.All => true,
            MembershipMode.Psk => network?.PrivateNetwork == true,
            MembershipMode.Bound => network?.PrivateNetwork == true && IsBound(peerId),
            _ => false,
        };

    private bool IsBound(PeerId peerId)
    {
        var api = Api();
        if (api.PeerIds.Contains(peerId)) return true;
        var record = directory?.ResolvePeer(peerId);
        if (record is null) return false;
        if (record.Source is RecordSource.Api or RecordSource.CachedApi) return true;
        // A gossiped claim binds only on an island that never saw an API binding, and only unexpired
        // (ResolvePeer may answer an expired record for offline routing; membership is not routing).
        if (record.Expires <= time.GetUtcNow()) return false;
        return api.PeerIds.Count == 0 && directory!.Records.All(r => r.Source == RecordSource.Gossip);
    }

    private ApiBindings Api()
    {
        var snapshot = catalog?.Current;
        if (snapshot is null) return ApiBindings.None;
        var api = _api;
        if (api is not null && api.Version == snapshot.Version) return api;
        _api = api = new ApiBindings(snapshot.Version, snapshot.BoundPeerIds());
        return api;
    }

    private sealed record ApiBindings(long Version, IReadOnlySet<PeerId> PeerIds)
    {
        public static readonly ApiBindings None = new(-1, new HashSet<PeerId>());
    }
}
