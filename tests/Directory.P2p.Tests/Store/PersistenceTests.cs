using PluginMesh.Abstractions.Cache;
using PluginMesh.Plugins.Directory.P2p.Records;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Store;

/// <summary>Records survive a restart through the real cache.litedb plugin on a real file.</summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("pm-directory-").FullName;

    [Fact]
    public async Task Restart_NobodyReachable_ResolvesFromCacheEvenPastExpiry()
    {
        var path = Path.Combine(_dir, "cache.db");
        var time = new ManualTime(TestRecords.Now);
        using var remote = PrivateKey.Generate();
        using var self = PrivateKey.Generate();
        var local = new KeyLocalPeer(self);
        local.SetAddresses(["/ip4/10.0.0.2/tcp/4001/p2p/" + self.PeerId]);
        long ownSequence;
        await using (var cache = await LiteDbCache.OpenAsync(path))
        {
            var store = Stores.Create(time, cache.Cache);
            await using var sync = Sync(store, local, time);
            await sync.StartAsync(CancellationToken.None);
            await store.AcceptAsync(TestRecords.Signed(remote, "edge-b", 7), "peer:x", CancellationToken.None);
            ownSequence = store.Resolve("edge-a")!.Sequence;
            await sync.StopAsync(CancellationToken.None);
        }

        time.Advance(TimeSpan.FromHours(3)); // everything expired while the agent was down
        await using (var cache = await LiteDbCache.OpenAsync(path))
        {
            var store = Stores.Create(time, cache.Cache);
            Assert.Equal(2, store.LoadFromCache());
            var b = store.Resolve("edge-b");
            Assert.NotNull(b);
            Assert.Equal(7, b.Sequence);
            Assert.Equal(remote.PeerId.ToString(), b.PeerId.ToString());
            Assert.Empty(store.Records); // expired: not "current", but still resolvable for offline autonomy

            // Our own sequence keeps increasing across the restart, even if the clock were behind.
            await using var sync = Sync(store, local, time);
            await sync.StartAsync(CancellationToken.None);
            Assert.True(store.Resolve("edge-a")!.Sequence > ownSequence);
            await sync.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Load_TamperedCacheEntry_IsDroppedNotServed()
    {
        var path = Path.Combine(_dir, "cache.db");
        var time = new ManualTime(TestRecords.Now);
        using var remote = PrivateKey.Generate();
        await using var cache = await LiteDbCache.OpenAsync(path);
        var good = TestRecords.Signed(remote, "edge-b", 7);
        var forged = good with { Body = RecordCodec.EncodeBody(good.Record with { DirectAddresses = [Multiaddr.Parse("/ip4/6.6.6.6/tcp/1")] }, good.PublicKey) };
        var collection = cache.Cache.Collection<CachedDirectoryRecord>(CacheCollections.Directory);
        await collection.UpsertAsync("edge-b", new CachedDirectoryRecord(Convert.ToBase64String(RecordCodec.Encode(forged)), "peer:x", TestRecords.Now));
        await collection.UpsertAsync("junk", new CachedDirectoryRecord("not base64!", "peer:x", TestRecords.Now));
        var store = Stores.Create(time, cache.Cache);
        Assert.Equal(0, store.LoadFromCache());
        Assert.Null(store.Resolve("edge-b"));
    }

    [Fact]
    public async Task Restart_AfterPeerRenamedItsNode_OldNameNoLongerResolves()
    {
        var path = Path.Combine(_dir, "cache.db");
        var time = new ManualTime(TestRecords.Now);
        using var remote = PrivateKey.Generate();
        await using (var cache = await LiteDbCache.OpenAsync(path))
        {
            var store = Stores.Create(time, cache.Cache);
            await store.AcceptAsync(TestRecords.Signed(remote, "old-name", 1), "peer:x", CancellationToken.None);
            await store.AcceptAsync(TestRecords.Signed(remote, "new-name", 2), "peer:x", CancellationToken.None);
        }
        await using (var cache = await LiteDbCache.OpenAsync(path))
        {
            var store = Stores.Create(time, cache.Cache);
            Assert.Equal(1, store.LoadFromCache());
            Assert.Null(store.Resolve("old-name"));
            Assert.Equal(2, store.Resolve("new-name")!.Sequence);
        }
    }

    private static DirectorySyncService Sync(RecordStore store, KeyLocalPeer local, TimeProvider time) =>
        new(store, DirectoryOptions.Default, "edge-a", local, tunnel: null, network: null, new SyncTracker(time), time, NullLogger.Instance);

    public void Dispose() => System.IO.Directory.Delete(_dir, recursive: true);
}
