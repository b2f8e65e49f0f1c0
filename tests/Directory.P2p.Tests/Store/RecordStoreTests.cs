using PluginMesh.Plugins.Directory.P2p.Protocol;
using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Store;

public sealed class RecordStoreTests
{
    private static readonly PrivateKey A = PrivateKey.Generate();
    private static readonly PrivateKey B = PrivateKey.Generate();
    private static readonly PrivateKey C = PrivateKey.Generate();
    private readonly ManualTime _time = new(TestRecords.Now);

    [Fact]
    public async Task Accept_HigherSequence_ReplacesAndRaisesChanged()
    {
        var store = Stores.Create(_time);
        var changed = new List<NodeRecord>();
        store.Changed += changed.Add;
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, A, "n1", 1)).Status);
        Assert.Equal(AcceptStatus.Accepted, (await Offer(store, A, "n1", 5, address: "/ip4/10.0.0.9/tcp/1")).Status);
        Assert.Equal(5, store.Resolve("n1")!.Sequence);
        Assert.StartsWith("/ip4/10.0.0.9/tcp/1", store.Resolve("n1")!.DirectAddresses[0].ToString(), StringComparison.Ordinal);
        Assert.Equal(5, store.ResolvePeer(A.PeerId)!.Sequence);
        Assert.Equal([1L, 5L], changed.Select(c => c.Sequence));
    }

    public static TheoryData<long, string> StaleCases => new() { { 4, "lower" }, { 5, "equal, different content" } };

    [Theory]
    [MemberData(nameof(StaleCases))]
    public async Task Accept_SequenceNotAboveKnown_IsRejectedAndCounted(long sequence, string _)
    {
        using var meter = new Meter("test.stale." + Guid.NewGuid().ToString("N"));
        var rejected = MeterProbe.Count(meter, "pluginmesh.directory.rejected", "stale_sequence");
        var store = Stores.Create(_time, meter: meter);
        await Offer(store, A, "n1", 5);
        var result = await Offer(store, A, "n1", sequence, address: "/ip4/6.6.6.6/tcp/1");
        Assert.Equal(AcceptStatus.Rejected, result.Status);
        Assert.Equal(RejectReason.StaleSequence, result.Reason);
        Assert.Equal(5, store.Resolve("n1")!.Sequence);
        Assert.Equal(1, store.RejectedCounts["stale_sequence"]);
        Assert.Equal(1, rejected());
    }

    [Fact]
    public async Task Metrics_AcceptedAndRecordsGauge_Reported()
    {
        using var meter = new Meter("test.metrics." + Guid.NewGuid().ToString("N"));
        var accepted = MeterProbe.Count(meter, "pluginmesh.directory.accepted", null);
        var store = Stores.Create(_time, meter: meter);
        await Offer(store, A, "a", 1);
        await Offer(store, B, "b", 1);
        Assert.Equal(2, accepted());
        long gauge = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (ReferenceEquals(i.Meter, meter) && i.Name == "pluginmesh.directory.records") l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<int>((_, v, _, _) => gauge = v);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(2, gauge);
    }

    [Fact]
    public async Task Accept_SameRecordAgain_IsDuplicateNotRejection()
    {
        var store = Stores.Create(_time);
        var signed = TestRecords.Signed(A, "n1", 5);
        await store.AcceptAsync(signed, "peer:x", CancellationToken.None);
        Assert.Equal(AcceptStatus.Duplicate, (await store.AcceptAsync(signed, "peer:y", CancellationToken.None)).Status);
        Assert.Empty(store.RejectedCounts);
    }

    [Fact]
    public async Task Accept_Expired_IsRejected()
    {
        var store = Stores.Create(_time);
        var result = await Offer(store, A, "n1", 1, expires: TestRecords.Now.AddSeconds(-1));
        Assert.Equal(RejectReason.Expired, result.Reason);
        Assert.Null(store.Resolve("n1"));
    }

    [Fact]
    public async Task Accept_BadSignature_IsRejectedAndNotStored()
    {
        var store = Stores.Create(_time);
        var good = TestRecords.Signed(A, "n1", 1);
        var forged = good with { Body = RecordCodec.EncodeBody(good.Record with { DirectAddresses = [Multiaddr.Parse("/ip4/6.6.6.6/tcp/1")] }, good.PublicKey) };
        Assert.Equal(RejectReason.BadSignature, (await store.AcceptAsync(forged, "peer:m", CancellationToken.None)).Reason);
        Assert.Null(store.Resolve("n1"));
        Assert.Empty(store.Digest());
    }

    [Fact]
    public async Task AcceptWire_Garbage_IsMalformed()
    {
        var store = Stores.Create(_time);
        Assert.Equal(RejectReason.Malformed, (await store.AcceptWireAsync(new byte[] { 1, 2, 3 }, "peer:m", CancellationToken.None)).Reason);
    }

    /// <summary>Conflict rule: first valid claim holds the name until its record expires.</summary>
    public static TheoryData<string, string[], string, string?> ConflictCases => new()
    {
        // scenario, offers (peer:seq[:expiresMinutes]) in order, expected chosen, expected conflicting peers (comma list) or null
        { "single claim", ["A:1"], "A", null },
        { "second claimant loses", ["A:1", "B:1"], "A", "A,B" },
        { "holder update keeps name", ["A:1", "B:1", "A:2"], "A", "A,B" },
        { "claimant update does not steal", ["A:1", "B:1", "B:9"], "A", "A,B" },
        { "three claimants", ["A:1", "B:1", "C:1"], "A", "A,B,C" },
        { "holder expires, fresh claimant takes over", ["A:1:1", "B:1:120", "+5"], "B", "A,B" },
        { "holder expired, nothing fresher: stale holder served", ["A:1:1", "+5"], "A", null },
    };

    [Theory]
    [MemberData(nameof(ConflictCases))]
    public async Task Conflicts_Table(string scenario, string[] steps, string chosen, string? conflicting)
    {
        using var meter = new Meter("test.conflict." + Guid.NewGuid().ToString("N"));
        var conflicts = MeterProbe.Count(meter, "pluginmesh.directory.conflicts", null);
        var store = Stores.Create(_time, meter: meter);
        var keys = new Dictionary<string, PrivateKey> { ["A"] = A, ["B"] = B, ["C"] = C };
        foreach (var step in steps)
        {
            if (step[0] == '+')
            {
                _time.Advance(TimeSpan.FromMinutes(int.Parse(step[1..], System.Globalization.CultureInfo.InvariantCulture)));
                continue;
            }
            var parts = step.Split(':');
            var expires = parts.Length > 2 ? _time.GetUtcNow().AddMinutes(int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)) : (DateTimeOffset?)null;
            var result = await Offer(store, keys[parts[0]], "shared", long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), expires);
            Assert.True(result.Status == AcceptStatus.Accepted, $"{scenario}: {step} was {result.Status} {result.Reason}");
        }
        Assert.Equal(keys[chosen].PeerId.ToString(), store.Resolve("shared")!.PeerId.ToString());
        if (conflicting is null)
        {
            Assert.Empty(store.Conflicts);
            Assert.Equal(0, conflicts());
        }
        else
        {
            var conflict = Assert.Single(store.Conflicts);
            Assert.Equal(conflicting.Split(',').Select(k => keys[k].PeerId.ToString()), conflict.PeerIds.Texts());
            Assert.Equal(keys[chosen].PeerId.ToString(), conflict.Chosen.ToString());
            Assert.Equal(conflicting.Split(',').Length - 1, conflicts());
        }
    }

    [Fact]
    public async Task Accept_LocalRecord_AlwaysHoldsOwnName()
    {
        var store = Stores.Create(_time);
        await Offer(store, B, "me", 1);
        await store.AcceptAsync(TestRecords.Signed(A, "me", 1), "local", CancellationToken.None, local: true);
        Assert.Equal(A.PeerId.ToString(), store.Resolve("me")!.PeerId.ToString());
        Assert.Single(store.Conflicts);
    }

    [Fact]
    public async Task Accept_PeerRenamesItsNode_ReleasesOldName()
    {
        var store = Stores.Create(_time);
        await Offer(store, A, "old", 1);
        await Offer(store, A, "new", 2);
        Assert.Null(store.Resolve("old"));
        Assert.Equal(2, store.Resolve("new")!.Sequence);
    }

    [Fact]
    public async Task Resolve_Expired_ServedOnlyWhenServeExpired()
    {
        var serving = Stores.Create(_time);
        var strict = Stores.Create(_time, serveExpired: false);
        foreach (var s in new[] { serving, strict }) await Offer(s, A, "n1", 1, TestRecords.Now.AddMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.NotNull(serving.Resolve("n1"));
        Assert.Null(strict.Resolve("n1"));
        Assert.Empty(serving.Records);
        // Expired records are not offered to peers: they would reject them anyway.
        Assert.Empty(serving.NewerThan([]));
    }

    [Fact]
    public async Task NewerThan_ReturnsOnlyWhatTheDigestLacksOrHoldsOlder()
    {
        var store = Stores.Create(_time);
        await Offer(store, A, "a", 5);
        await Offer(store, B, "b", 5);
        await Offer(store, C, "c", 5);
        var theirs = new[] { new DigestEntry(A.PeerId.ToString(), "a", 5), new DigestEntry(B.PeerId.ToString(), "b", 3) };
        Assert.Equal(new[] { "b", "c" }, store.NewerThan(theirs).Select(r => r.Record.NodeName).Order());
    }

    private static ValueTask<AcceptResult> Offer(RecordStore store, PrivateKey key, string node, long seq, DateTimeOffset? expires = null, string address = "/ip4/10.0.0.1/tcp/4001") =>
        store.AcceptAsync(TestRecords.Signed(key, node, seq, expires, address), "peer:test", CancellationToken.None);
}
