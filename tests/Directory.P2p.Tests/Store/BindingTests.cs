using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Api;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Store;

/// <summary>Names bound to nodes by the API: Api while connected, CachedApi from the cache while away; gossip never overrides.</summary>
public sealed class BindingTests : IDisposable
{
    private static readonly PrivateKey Agent = PrivateKey.Generate();
    private static readonly PrivateKey Impostor = PrivateKey.Generate();
    private static readonly PrivateKey Other = PrivateKey.Generate();
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("pm-directory-bindings-").FullName;
    private readonly ManualTime _time = new(TestRecords.Now);

    [Fact]
    public async Task Gossip_ContradictingApiBinding_RejectedCountedNeverShadows()
    {
        using var meter = new Meter("test.binding." + Guid.NewGuid().ToString("N"));
        var mismatches = MeterProbe.Count(meter, "pluginmesh.directory.rejected", "binding_mismatch");
        var (store, catalog, view) = Connected(meter);
        catalog.SetNodes(("edge-1", Agent));
        await view.RefreshAsync(force: false, CancellationToken.None);

        var result = await store.AcceptAsync(TestRecords.Signed(Impostor, "edge-1", 99), "peer:m", CancellationToken.None);
        Assert.Equal(RejectReason.BindingMismatch, result.Reason);
        Assert.Equal(1, mismatches());
        var resolved = store.Resolve("edge-1")!;
        Assert.Equal(Agent.PeerId, resolved.PeerId);
        Assert.Equal(RecordSource.Api, resolved.Source);
        Assert.Equal("/ip4/10.9.0.1/tcp/4001/p2p/" + Agent.PeerId, resolved.DirectAddresses.Texts().Single());
        Assert.Null(store.ResolvePeer(Impostor.PeerId));
        Assert.Empty(store.Conflicts);

        // The bound agent may not claim another name either.
        Assert.Equal(RejectReason.BindingMismatch, (await store.AcceptAsync(TestRecords.Signed(Agent, "edge-2", 5), "peer:m", CancellationToken.None)).Reason);
    }

    [Fact]
    public async Task Binding_AfterImpostorClaimedFirst_DropsTheClaim()
    {
        using var meter = new Meter("test.binding." + Guid.NewGuid().ToString("N"));
        var mismatches = MeterProbe.Count(meter, "pluginmesh.directory.rejected", "binding_mismatch");
        var (store, catalog, view) = Connected(meter);
        await store.AcceptAsync(TestRecords.Signed(Impostor, "edge-1", 1), "peer:m", CancellationToken.None);
        Assert.Equal(Impostor.PeerId, store.Resolve("edge-1")!.PeerId); // an island's first claim

        catalog.SetNodes(("edge-1", Agent));
        await view.RefreshAsync(force: false, CancellationToken.None);
        Assert.Equal(Agent.PeerId, store.Resolve("edge-1")!.PeerId);
        Assert.Null(store.Held(Impostor.PeerId.ToString()));
        Assert.Equal(1, mismatches());
    }

    [Fact]
    public async Task BoundAgentsOwnRecord_AddsCircuitsOffersFreshnessNotTheBinding()
    {
        var (store, catalog, view) = Connected(null);
        catalog.SetNodes(("relay-1", Agent));
        await view.RefreshAsync(force: false, CancellationToken.None);
        var own = TestRecords.SignedV2(Agent, "relay-1", 7, load: 0.5, expires: TestRecords.Now.AddMinutes(50));
        Assert.Equal(AcceptStatus.Accepted, (await store.AcceptAsync(own, "peer:x", CancellationToken.None)).Status);

        var r = store.Resolve("relay-1")!;
        Assert.Equal(RecordSource.Api, r.Source);
        Assert.Equal(Agent.PeerId, r.PeerId);
        Assert.Equal(7, r.Sequence);
        Assert.Equal(0.5, r.Offers["relay"]["load"]);
        Assert.Equal(own.Record.RelayAddresses, r.RelayAddresses);
        // Its own addresses first (fresher), the API's after.
        Assert.Equal([.. own.Record.DirectAddresses.Texts(), "/ip4/10.9.0.1/tcp/4001/p2p/" + Agent.PeerId], r.DirectAddresses.Texts());
        var byPeer = store.ResolvePeer(Agent.PeerId)!;
        Assert.Equal((r.NodeName, r.Source, r.Sequence), (byPeer.NodeName, byPeer.Source, byPeer.Sequence));
        Assert.Equal(r.DirectAddresses, byPeer.DirectAddresses);
        Assert.Contains(store.Records, x => x.NodeName == "relay-1" && x.Source == RecordSource.Api);
    }

    [Fact]
    public async Task ApiGoesAway_BindingsServedAsCachedApiAndStillBeatGossip()
    {
        var (store, catalog, view) = Connected(null);
        catalog.SetNodes(("edge-1", Agent));
        await view.RefreshAsync(force: false, CancellationToken.None);
        catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        await view.RefreshAsync(force: false, CancellationToken.None);

        Assert.Equal(RecordSource.CachedApi, store.Resolve("edge-1")!.Source);
        Assert.Equal(RejectReason.BindingMismatch, (await store.AcceptAsync(TestRecords.Signed(Impostor, "edge-1", 1), "peer:m", CancellationToken.None)).Reason);
        Assert.Equal(Agent.PeerId, store.Resolve("edge-1")!.PeerId);
    }

    [Fact]
    public async Task Restart_ApiUnreachable_CachedBindingsFromRealCacheBeatGossip()
    {
        var path = Path.Combine(_dir, "cache.db");
        await using (var cache = await LiteDbCache.OpenAsync(path))
        {
            var (store, catalog, view) = Connected(null, cache.Cache);
            catalog.SetNodes(("edge-1", Agent), ("edge-2", Other), ("no-agent", null));
            await view.RefreshAsync(force: false, CancellationToken.None);
            await store.AcceptAsync(TestRecords.Signed(Agent, "edge-1", 3), "peer:x", CancellationToken.None);
        }
        _time.Advance(TimeSpan.FromMinutes(10));
        await using (var cache = await LiteDbCache.OpenAsync(path))
        {
            // Restarted with the API unreachable and an empty catalog (its source has no cache here).
            var catalog = new TestCatalog();
            var store = Stores.Create(_time, cache.Cache);
            using var view = new ApiView(store, catalog, () => [catalog.Kubernetes], _time);
            Assert.Equal(1, store.LoadFromCache());
            await view.RefreshAsync(force: false, CancellationToken.None);
            Assert.Equal([("edge-1", RecordSource.CachedApi), ("edge-2", RecordSource.CachedApi)], store.Bindings.Select(b => (b.NodeName, b.Source)));
            Assert.Equal(RejectReason.BindingMismatch, (await store.AcceptAsync(TestRecords.Signed(Impostor, "edge-2", 1), "peer:m", CancellationToken.None)).Reason);
            var r = store.Resolve("edge-1")!;
            Assert.Equal((Agent.PeerId, RecordSource.CachedApi, 3L), (r.PeerId, r.Source, r.Sequence));
            Assert.Equal(Other.PeerId, store.Resolve("edge-2")!.PeerId);
        }
    }

    /// <summary>Merge rules on reconnection: the API's view replaces every cached binding.</summary>
    public static TheoryData<string, string, string?, string> ReconnectCases => new()
    {
        // scenario, API's view of edge-1 after reconnecting (agent | other | deleted | no-agent), expected PeerId of edge-1, expected source
        { "unchanged", "agent", "agent", "Api" },
        { "node re-keyed while we were away", "other", "other", "Api" },
        { "node deleted: binding lost, its agent's gossip record remains (first claim)", "deleted", "agent", "Gossip" },
        { "agent no longer published: binding lost", "no-agent", "agent", "Gossip" },
    };

    [Theory]
    [MemberData(nameof(ReconnectCases))]
    public async Task Reconnect_ApiViewReplacesCachedBindings(string scenario, string after, string? expectedPeer, string expectedSource)
    {
        var (store, catalog, view) = Connected(null);
        catalog.SetNodes(("edge-1", Agent), ("edge-9", Impostor));
        await view.RefreshAsync(force: false, CancellationToken.None);
        await store.AcceptAsync(TestRecords.Signed(Agent, "edge-1", 3), "peer:x", CancellationToken.None);
        catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        await view.RefreshAsync(force: false, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(20));

        catalog.SetNodes(after switch
        {
            "agent" => [("edge-1", Agent)],
            "other" => [("edge-1", Other)],
            "no-agent" => [("edge-1", null)],
            _ => [],
        });
        catalog.Kubernetes.SetConnected(true, _time.GetUtcNow());
        await view.RefreshAsync(force: false, CancellationToken.None);

        var r = store.Resolve("edge-1");
        var keys = new Dictionary<string, PrivateKey> { ["agent"] = Agent, ["other"] = Other };
        Assert.True(expectedPeer is null ? r is null : r?.PeerId == keys[expectedPeer].PeerId, scenario);
        Assert.Equal(Enum.Parse<RecordSource>(expectedSource), r!.Source);
        Assert.Null(store.BindingOf("edge-9")); // deleted from the API while we were away
        if (after == "other") Assert.Null(store.Held(Agent.PeerId.ToString())); // the old agent's record contradicts the new binding
    }

    private (RecordStore Store, TestCatalog Catalog, ApiView View) Connected(Meter? meter, PluginMesh.Abstractions.Cache.IStateCache? cache = null)
    {
        var catalog = new TestCatalog();
        catalog.Kubernetes.SetConnected(true, _time.GetUtcNow());
        var store = Stores.Create(_time, cache, meter: meter);
        return (store, catalog, new ApiView(store, catalog, () => [catalog.Kubernetes], _time));
    }

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);
}
