using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Records;
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

    [Fact]
    public async Task Publish_OffersFromLocalPeer_AnnouncedWithFactsAndAsCapabilities()
    {
        var time = new ManualTime(TestRecords.Now);
        using var key = PrivateKey.Generate();
        var local = new KeyLocalPeer(key);
        var store = Stores.Create(time);
        var reachability = Reachability.Unknown;
        var publisher = new LocalRecordPublisher(store, local, DirectoryOptions.Default, "me", time, NullLogger.Instance, facts: r => new AgentFacts(reachability, 8, 4096, 60));
        local.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["reservations"] = 4, ["circuits"] = 2, ["bytesPerSecond"] = 1e6, ["load"] = 0.5 }));
        await publisher.PublishAsync(force: true, CancellationToken.None);

        var r = store.Resolve("me")!;
        Assert.Equal(["relay"], r.Capabilities); // no `capabilities: [relay]` needed
        Assert.Equal(0.5, r.Offers["relay"]["load"]);
        Assert.Equal(4, r.Offers["relay"]["reservations"]);
        Assert.Equal(("unknown", "8", "4096", "60"), (r.Labels[AgentFacts.ReachabilityLabel], r.Labels[AgentFacts.CoresLabel], r.Labels[AgentFacts.MemoryLabel], r.Labels[AgentFacts.UptimeLabel]));

        // Withdrawing the offer is a change of structure: re-signed at once.
        time.Advance(TimeSpan.FromSeconds(1));
        local.WithdrawOffer("relay");
        await publisher.PublishAsync(force: false, CancellationToken.None);
        Assert.Empty(store.Resolve("me")!.Capabilities);
        Assert.Empty(store.Resolve("me")!.Offers);
    }

    /// <summary>A relay's load: small moves wait for factsRefreshSeconds, large ones for 30 s since the last signature.</summary>
    public static TheoryData<double, int, bool> LoadMoves => new()
    {
        // new load (from 0.50), seconds later, re-signed?
        { 0.55, 10, false },
        { 0.55, 299, false },
        { 0.55, 300, true },
        { 0.80, 10, false },
        { 0.80, 30, true },
        { 0.30, 31, true },
        { 0.50, 3000, true }, // nothing moved, but half the TTL passed
    };

    [Theory]
    [MemberData(nameof(LoadMoves))]
    public async Task Publish_OfferFactMoves_ReSignedOnlyWhenLargeOrRefreshDue(double load, int seconds, bool resigned)
    {
        var time = new ManualTime(TestRecords.Now);
        using var key = PrivateKey.Generate();
        var local = new KeyLocalPeer(key);
        var store = Stores.Create(time);
        var uptime = 60L;
        var publisher = new LocalRecordPublisher(store, local, DirectoryOptions.Default, "relay", time, NullLogger.Instance, facts: r => new AgentFacts(r, 2, 512, uptime));
        local.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["load"] = 0.5 }));
        await publisher.PublishAsync(force: true, CancellationToken.None);
        var first = store.Resolve("relay")!.Sequence;

        time.Advance(TimeSpan.FromSeconds(seconds));
        uptime += seconds; // uptime always moves: never a reason to re-sign by itself
        local.SetOffer(new ServiceOffer("relay", new Dictionary<string, double> { ["load"] = load }));
        await publisher.PublishAsync(force: false, CancellationToken.None);
        Assert.Equal(resigned, store.Resolve("relay")!.Sequence > first);
        if (resigned) Assert.Equal(load, store.Resolve("relay")!.Offers["relay"]["load"]);
    }

    [Fact]
    public async Task Publish_ReachabilityChanges_ReSignedAtOnce()
    {
        var time = new ManualTime(TestRecords.Now);
        using var key = PrivateKey.Generate();
        var network = new ReachabilityNetwork();
        var store = Stores.Create(time);
        var publisher = new LocalRecordPublisher(store, new KeyLocalPeer(key), DirectoryOptions.Default, "me", time, NullLogger.Instance, network, r => new AgentFacts(r, 2, 512, 1));
        await publisher.PublishAsync(force: true, CancellationToken.None);
        Assert.Equal("unknown", store.Resolve("me")!.Labels[AgentFacts.ReachabilityLabel]);
        network.Reachability = Reachability.Public;
        await publisher.PublishAsync(force: false, CancellationToken.None);
        Assert.Equal("public", store.Resolve("me")!.Labels[AgentFacts.ReachabilityLabel]);
    }

    private sealed class ReachabilityNetwork : IPeerNetwork
    {
        public Reachability Reachability { get; set; }

        public event Action<Reachability>? ReachabilityChanged { add { } remove { } }

        public IReadOnlyList<PeerConnection> Connections => [];

        public event Action<PeerConnection>? PeerConnected { add { } remove { } }

        public event Action<PeerConnection>? PeerDisconnected { add { } remove { } }

        public void SetAnnouncedAddresses(string source, IReadOnlyList<Multiaddr> multiaddrs) => throw new NotSupportedException();

        public ValueTask<PeerConnection> AcceptInboundAsync(ITransportConnection raw, PathKind path, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<TimeSpan> PingAsync(PeerId peerId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
