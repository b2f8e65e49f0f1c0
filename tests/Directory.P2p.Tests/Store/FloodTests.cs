using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using Xunit.Abstractions;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Store;

/// <summary>
/// Issue 14's flood: 100 000 fresh identities, each with a real signed record, offered to a real store.
/// Memory and the store stay bounded, and legitimate nodes are still admitted afterwards.
/// </summary>
[Collection(HeapMeasured.Name)]
public sealed class FloodTests(FloodTests.Identities flood, ITestOutputHelper output) : IClassFixture<FloodTests.Identities>
{
    private readonly ManualTime _time = new(TestRecords.Now);

    [Fact]
    public async Task OneSender_100000FreshIdentities_AdmittedAtItsRateOnly()
    {
        var store = Stores.Create(_time);
        var admitted = 0;
        foreach (var wire in flood.Wire)
        {
            if ((await store.AcceptWireAsync(wire, "peer:flooder", CancellationToken.None)).Status == AcceptStatus.Accepted) admitted++;
        }
        Assert.Equal(AdmissionOptions.Default.NewPeersBurst, admitted);
        Assert.Equal(flood.Wire.Count - admitted, store.RejectedCounts["rate_limited"]);
        await AssertLegitimateNodesAdmittedAsync(store);
    }

    [Fact]
    public async Task ManySenders_100000FreshIdentities_StoreAndMemoryBoundedLegitimateStillAdmitted()
    {
        const int cap = 4096;
        const int senders = 100;
        var options = StoreOptions.Default with { MaxRecords = cap, Admission = AdmissionOptions.Default with { NewPeersBurst = 200 } };
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var store = Stores.Create(_time, options: options);

        // Legitimate island members first, then the flood through 100 connections.
        using var bound = PrivateKey.Generate();
        await store.ApplyBindingsAsync([new NodeBinding("bound-node", bound.PeerId, [], false, RecordSource.CachedApi, _time.GetUtcNow())], persist: false, CancellationToken.None);
        Assert.Equal(AcceptStatus.Accepted, (await store.AcceptAsync(TestRecords.Signed(bound, "bound-node", 1), "peer:legit", CancellationToken.None)).Status);
        var admitted = 0;
        for (var i = 0; i < flood.Wire.Count; i++)
        {
            // The receive path: wire bytes decoded here, so what the store keeps is its own.
            if ((await store.AcceptWireAsync(flood.Wire[i], "peer:flooder-" + (i % senders), CancellationToken.None)).Status == AcceptStatus.Accepted) admitted++;
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(store);

        Assert.Equal(senders * 200, admitted); // each connection's burst, then rate-limited
        Assert.Equal(cap, store.Count);
        Assert.NotNull(store.Held(bound.PeerId.ToString())); // bound: never evicted
        var perRecord = (after - before) / (double)cap;
        output.WriteLine($"heap growth {(after - before) / 1048576.0:0.0} MiB for {store.Count} records held after {admitted} admitted: {perRecord:0} bytes per record");
        Assert.True(after - before < cap * 8192L, $"heap grew by {after - before} bytes for {cap} records");
        await AssertLegitimateNodesAdmittedAsync(store);
        Assert.Equal(cap, store.Count);
    }

    /// <summary>After the flood: a fresh claim from a new peer, and a node the API binds, both admitted and resolved.</summary>
    private async Task AssertLegitimateNodesAdmittedAsync(RecordStore store)
    {
        using var fresh = PrivateKey.Generate();
        Assert.Equal(AcceptStatus.Accepted, (await store.AcceptAsync(TestRecords.Signed(fresh, "new-node", 1), "peer:neighbour", CancellationToken.None)).Status);
        Assert.Equal(fresh.PeerId, store.Resolve("new-node")!.PeerId);

        using var apiNode = PrivateKey.Generate();
        await store.ApplyBindingsAsync([.. store.Bindings, new NodeBinding("api-node", apiNode.PeerId, [Multiaddr.Parse("/ip4/10.0.0.9/tcp/4001")], false, RecordSource.Api, _time.GetUtcNow())], persist: false, CancellationToken.None);
        Assert.Equal(AcceptStatus.Accepted, (await store.AcceptAsync(TestRecords.Signed(apiNode, "api-node", 1), "peer:neighbour", CancellationToken.None)).Status);
        Assert.Equal((apiNode.PeerId, RecordSource.Api), (store.Resolve("api-node")!.PeerId, store.Resolve("api-node")!.Source));
    }

    /// <summary>100 000 identities and their signed records in wire form, made once for the class (on every core).</summary>
    public sealed class Identities
    {
        public Identities()
        {
            var wire = new byte[100_000][];
            Parallel.For(0, wire.Length, i =>
            {
                using var key = PrivateKey.Generate();
                wire[i] = RecordCodec.Encode(TestRecords.Signed(key, "flood-" + i, 1));
            });
            Wire = wire;
        }

        public IReadOnlyList<byte[]> Wire { get; }
    }
}
