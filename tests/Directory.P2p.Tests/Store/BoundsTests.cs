using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Store;

/// <summary>What keeps the store bounded: capped expiry, bounded staleness, eviction order at the cap, per-peer admission.</summary>
public sealed class BoundsTests
{
    private static readonly PrivateKey A = PrivateKey.Generate();
    private static readonly PrivateKey B = PrivateKey.Generate();
    private static readonly PrivateKey C = PrivateKey.Generate();
    private static readonly PrivateKey D = PrivateKey.Generate();
    private static readonly PrivateKey E = PrivateKey.Generate();
    private readonly ManualTime _time = new(TestRecords.Now);

    [Fact]
    public async Task Accept_FarFutureExpiry_HeldToTwiceTheTtlAndCounted()
    {
        using var meter = new Meter("test.cap." + Guid.NewGuid().ToString("N"));
        var capped = MeterProbe.Count(meter, "pluginmesh.directory.expiry_capped", null);
        var store = Stores.Create(_time, meter: meter);
        var result = await store.AcceptAsync(TestRecords.Signed(A, "n1", 1, expires: TestRecords.Now.AddYears(10)), "peer:x", CancellationToken.None);
        Assert.Equal(AcceptStatus.Accepted, result.Status);
        Assert.Equal(TestRecords.Now.AddHours(2), store.Resolve("n1")!.Expires);
        Assert.Equal(1, capped());

        // Within twice the TTL (one TTL of skew allowance for a sender clock ahead): not capped.
        await store.AcceptAsync(TestRecords.Signed(B, "n2", 1, expires: TestRecords.Now.AddMinutes(119)), "peer:x", CancellationToken.None);
        Assert.Equal(TestRecords.Now.AddMinutes(119), store.Resolve("n2")!.Expires);
        Assert.Equal(1, capped());

        _time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(store.Records, r => r.NodeName == "n1");
    }

    [Fact]
    public async Task Resolve_ExpiredLongerThanMaxStale_NoLongerServedAndPruned()
    {
        var store = Stores.Create(_time, options: StoreOptions.Default with { MaxStale = TimeSpan.FromHours(6) });
        await store.AcceptAsync(TestRecords.Signed(A, "n1", 1, expires: TestRecords.Now.AddMinutes(30)), "peer:x", CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(6));
        Assert.NotNull(store.Resolve("n1")); // 5.5 h past expiry: still the best knowledge there is
        Assert.Equal(0, await store.PruneAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.Null(store.Resolve("n1"));
        Assert.Null(store.ResolvePeer(A.PeerId));
        Assert.Equal(1, await store.PruneAsync(CancellationToken.None));
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Accept_AtCap_EvictsExpiredThenLeastRecentlyRefreshedNeverBound()
    {
        using var meter = new Meter("test.evict." + Guid.NewGuid().ToString("N"));
        var evictedExpired = MeterProbe.Count(meter, "pluginmesh.directory.evicted", "expired");
        var evictedLeast = MeterProbe.Count(meter, "pluginmesh.directory.evicted", "least_recent");
        var store = Stores.Create(_time, meter: meter, options: StoreOptions.Default with { MaxRecords = 3 });
        await store.ApplyBindingsAsync([Binding("bound", A)], persist: false, CancellationToken.None);
        await Offer(store, A, "bound", expires: TestRecords.Now.AddMinutes(1)); // bound and soon expired: still never evicted
        await Offer(store, B, "old", expires: TestRecords.Now.AddHours(1));
        _time.Advance(TimeSpan.FromMinutes(5));
        await Offer(store, C, "expiring", expires: _time.GetUtcNow().AddMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(2)); // C expired; A expired too, but bound

        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, D, "new-1")).Status);
        Assert.Equal(1, evictedExpired());
        Assert.Null(store.Held(C.PeerId.ToString()));

        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, E, "new-2")).Status);
        Assert.Equal(1, evictedLeast());
        Assert.Null(store.Held(B.PeerId.ToString())); // refreshed longest ago
        Assert.NotNull(store.Held(A.PeerId.ToString()));
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public async Task Accept_AtCapWithNothingEvictable_IsStoreFull()
    {
        var store = Stores.Create(_time, options: StoreOptions.Default with { MaxRecords = 2 });
        await store.ApplyBindingsAsync([Binding("a", A), Binding("b", B)], persist: false, CancellationToken.None);
        await Offer(store, A, "a");
        await Offer(store, B, "b");
        Assert.Equal(RejectReason.StoreFull, (await Offer(store, C, "c")).Reason);
        // Updates of held PeerIds are still accepted at the cap.
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, A, "a", sequence: 2)).Status);
    }

    [Fact]
    public async Task Accept_SenderOverItsRates_RateLimitedOthersUnaffected()
    {
        using var meter = new Meter("test.rate." + Guid.NewGuid().ToString("N"));
        var limited = MeterProbe.Count(meter, "pluginmesh.directory.rejected", "rate_limited");
        var store = Stores.Create(_time, meter: meter, options: StoreOptions.Default with { Admission = new AdmissionOptions(RecordsPerSecond: 1, RecordsBurst: 4, NewPeersPerSecond: 1, NewPeersBurst: 2) });
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, A, "a", source: "peer:m")).Status);
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, B, "b", source: "peer:m")).Status);
        Assert.Equal(RejectReason.RateLimited, (await Offer(store, C, "c", source: "peer:m")).Reason); // third new PeerId
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, A, "a", sequence: 2, source: "peer:m")).Status); // updates need no new-PeerId token
        Assert.Equal(RejectReason.RateLimited, (await Offer(store, A, "a", sequence: 3, source: "peer:m")).Reason); // fifth record
        Assert.Equal(2, limited());

        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, C, "c", source: "peer:other")).Status);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, D, "d", source: "peer:m")).Status);

        // A PeerId the API binds is admitted without a new-PeerId token.
        await store.ApplyBindingsAsync([Binding("e", E)], persist: false, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, E, "e", source: "peer:m")).Status);
    }

    [Fact]
    public async Task Accept_DuplicateFromSender_CostsNoToken()
    {
        var store = Stores.Create(_time, options: StoreOptions.Default with { Admission = new AdmissionOptions(1, 1, 1, 1) });
        var signed = TestRecords.Signed(A, "a", 1);
        await store.AcceptAsync(signed, "peer:m", CancellationToken.None);
        for (var i = 0; i < 10; i++) Assert.Equal(AcceptStatus.Duplicate, (await store.AcceptAsync(signed, "peer:m", CancellationToken.None)).Status);
        Assert.Empty(store.RejectedCounts);
    }

    private ValueTask<AcceptResult> Offer(RecordStore store, PrivateKey key, string node, long sequence = 1, DateTimeOffset? expires = null, string source = "peer:test") =>
        store.AcceptAsync(TestRecords.Signed(key, node, sequence, expires ?? _time.GetUtcNow().AddHours(1)), source, CancellationToken.None);

    private NodeBinding Binding(string node, PrivateKey key) =>
        new(node, key.PeerId, [Multiaddr.Parse("/ip4/10.1.0.1/tcp/4001/p2p/" + key.PeerId)], false, RecordSource.Api, _time.GetUtcNow());
}
