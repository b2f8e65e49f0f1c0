using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Directory.P2p.Sync;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Sync;

public sealed class LocalRecordPublisherTests
{
    [Fact]
    public async Task Publish_OnlyWhenAddressesChangeOrHalfLifePassed()
    {
        var time = new ManualTime(TestRecords.Now);
        using var key = PrivateKey.Generate();
        var local = new KeyLocalPeer(key);
        local.SetAddresses(["/ip4/10.0.0.1/tcp/1/p2p/" + key.PeerId, "/ip4/10.0.0.9/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit/p2p/" + key.PeerId]);
        var store = Stores.Create(time);
        var options = DirectoryOptions.Default with { Capabilities = ["relay"], Labels = new Dictionary<string, string> { ["zone"] = "z1" } };
        var publisher = new LocalRecordPublisher(store, local, options, "me", time, NullLogger.Instance);

        await publisher.PublishAsync(force: true, CancellationToken.None);
        var first = store.Resolve("me")!;
        Assert.Equal([local.Addresses[0]], first.DirectAddresses);
        Assert.Equal([local.Addresses[1]], first.RelayAddresses);
        Assert.Equal(["relay"], first.Capabilities);
        Assert.Equal("z1", first.Labels["zone"]);
        Assert.Equal(TestRecords.Now.AddHours(1), first.Expires);

        time.Advance(TimeSpan.FromMinutes(10));
        await publisher.PublishAsync(force: false, CancellationToken.None);
        Assert.Equal(first.Sequence, store.Resolve("me")!.Sequence); // nothing changed, not due

        local.SetAddresses([local.Addresses[0].ToString()]);
        await publisher.PublishAsync(force: false, CancellationToken.None);
        var second = store.Resolve("me")!;
        Assert.True(second.Sequence > first.Sequence);
        Assert.Empty(second.RelayAddresses);

        time.Advance(TimeSpan.FromMinutes(30));
        Assert.True(publisher.Due);
        await publisher.PublishAsync(force: false, CancellationToken.None);
        Assert.True(store.Resolve("me")!.Sequence > second.Sequence);
        Assert.Equal(time.GetUtcNow().AddHours(1), store.Resolve("me")!.Expires);
    }

    [Fact]
    public async Task Publish_ClockBehindLastSequence_StillIncreases()
    {
        var time = new ManualTime(TestRecords.Now);
        using var key = PrivateKey.Generate();
        var store = Stores.Create(time);
        var future = DateTimeOffset.UnixEpoch.AddYears(100);
        await store.AcceptAsync(TestRecords.Signed(key, "me", (future - DateTimeOffset.UnixEpoch).Ticks / 10), "cache", CancellationToken.None);
        var before = store.Resolve("me")!.Sequence;
        await new LocalRecordPublisher(store, new KeyLocalPeer(key), DirectoryOptions.Default, "me", time, NullLogger.Instance).PublishAsync(force: true, CancellationToken.None);
        Assert.Equal(before + 1, store.Resolve("me")!.Sequence);
    }
}
