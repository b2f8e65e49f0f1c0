using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Host.Policies;
using PluginMesh.Plugins.Directory.P2p.Api;
using PluginMesh.Plugins.Directory.P2p.Liveness;
using PluginMesh.Plugins.Directory.P2p.Store;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Liveness;

/// <summary>
/// The tolerance window with real parts: a real store, the real policy engine running policies/retire.js,
/// the proxy's real balancer, real libp2p nodes for connections and probes; the clock is injected.
/// </summary>
public sealed class ToleranceWindowTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(300);
    private readonly ManualTime _time = new(TestRecords.Now);
    private readonly TestCatalog _catalog = new();
    private readonly PolicyEngine _policies = new(new PolicyEngineOptions { Directory = RepoPaths.Of("policies"), TimeLimit = TimeSpan.FromSeconds(30) },
        NullLogger<PolicyEngine>.Instance, TimeProvider.System);
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("pm-tolerance-").FullName;
    private readonly Meter _meter = new("test.liveness." + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task ApiConnected_NothingRetiredHoweverSilent()
    {
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(true, _time.GetUtcNow());
        using var key = PrivateKey.Generate();
        await Offer(store, key, "edge-1", 1);
        _time.Advance(TimeSpan.FromHours(2));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
        Assert.NotNull(store.Resolve("edge-1"));
    }

    [Fact]
    public async Task ApiAway_SilentPastTheWindow_RetiredStopsResolvingListedAndCounted()
    {
        var (store, liveness) = Create();
        var gauge = Gauge("pluginmesh.directory.retired");
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        using var quiet = PrivateKey.Generate();
        using var chatty = PrivateKey.Generate();
        await Offer(store, quiet, "edge-quiet", 1);
        await Offer(store, chatty, "edge-chatty", 1);
        var changes = 0;
        liveness.Changed += () => changes++;

        _time.Advance(Window - TimeSpan.FromSeconds(1));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
        await Offer(store, chatty, "edge-chatty", 2); // its agent refreshed its record

        // Judged again once JudgeEvery has passed: 309 s of silence.
        _time.Advance(NodeLiveness.JudgeEvery);
        await liveness.EvaluateAsync(CancellationToken.None);
        var retired = Assert.Single(liveness.Retired);
        Assert.Equal("edge-quiet", retired.NodeName);
        Assert.Equal(quiet.PeerId, retired.PeerId);
        Assert.Equal(TestRecords.Now, retired.LastHeard);
        Assert.Contains("silent 309 s (last heard via record)", retired.Reason, StringComparison.Ordinal);
        Assert.Contains("no tunnel to probe it", retired.Reason, StringComparison.Ordinal);
        Assert.True(liveness.IsRetired("edge-quiet"));
        Assert.Null(store.Resolve("edge-quiet"));
        Assert.Null(store.ResolvePeer(quiet.PeerId));
        Assert.DoesNotContain(store.Records, r => r.NodeName == "edge-quiet");
        Assert.NotNull(store.Resolve("edge-chatty"));
        Assert.Equal(1, changes);
        Assert.Equal(1, gauge());

        // Status lists it and why.
        var status = new DirectoryStatusContributor(store, new PluginMesh.Plugins.Directory.P2p.Sync.SyncTracker(_time), _time, null, liveness).Build();
        Assert.Equal("edge-quiet", Assert.Single(status.Retired).NodeName);

        // Heard again (a new record from its agent): back at once, without waiting for a round.
        await Offer(store, quiet, "edge-quiet", 2);
        Assert.Empty(liveness.Retired);
        Assert.NotNull(store.Resolve("edge-quiet"));
        Assert.Equal(2, changes);
        Assert.Equal(0, gauge());
    }

    [Fact]
    public async Task KeptUntilItsWindowEnds_JudgedAgainWhenTheWindowEnds_NotAtTheNextTenSecondRound()
    {
        // retire.js keeps a node 3 s short of its window and says "ask again in 3 s"; before, the node
        // waited JudgeEvery (10 s) and was retired up to 10 s after its window.
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        using var key = PrivateKey.Generate();
        await Offer(store, key, "edge-punctual", 1);

        _time.Advance(Window - TimeSpan.FromSeconds(3));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
        _time.Advance(TimeSpan.FromSeconds(2));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
        _time.Advance(TimeSpan.FromSeconds(1));
        await liveness.EvaluateAsync(CancellationToken.None);

        Assert.Contains("silent 300 s", Assert.Single(liveness.Retired).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeLabel_OverridesTheWindow()
    {
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        _catalog.SetLabels("edge-slow", new Dictionary<string, string> { ["pluginmesh.io/tolerance-seconds"] = "900" });
        using var key = PrivateKey.Generate();
        await Offer(store, key, "edge-slow", 1);
        _time.Advance(TimeSpan.FromSeconds(600));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
        _time.Advance(TimeSpan.FromSeconds(301));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Equal("edge-slow", Assert.Single(liveness.Retired).NodeName);
    }

    [Fact]
    public async Task ApiBack_ItsViewReplacesLocalRetirements()
    {
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        using var key = PrivateKey.Generate();
        await Offer(store, key, "edge-gone", 1);
        _time.Advance(TimeSpan.FromSeconds(400));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Single(liveness.Retired);

        _catalog.Kubernetes.SetConnected(true, _time.GetUtcNow());
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
        Assert.NotNull(store.Resolve("edge-gone"));

        // Away again: silence counts from the last time the agent was heard, so it goes again.
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Single(liveness.Retired);
    }

    [Fact]
    public async Task RetiredNodeWhoseRecordIsPruned_Forgotten()
    {
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        using var key = PrivateKey.Generate();
        await Offer(store, key, "edge-old", 1);
        _time.Advance(Window + TimeSpan.FromSeconds(1));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Single(liveness.Retired);

        _time.Advance(TimeSpan.FromDays(2)); // past expiry + maxStaleSeconds
        Assert.Equal(1, await store.PruneAsync(CancellationToken.None));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired);
    }

    [Fact]
    public async Task ManySilentNodes_AtMost64ProbedPerRound_TheRestNextRound()
    {
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        var keys = Enumerable.Range(0, NodeLiveness.ProbesPerRound + 6).Select(_ => PrivateKey.Generate()).ToList();
        for (var i = 0; i < keys.Count; i++) await Offer(store, keys[i], "edge-" + i, 1);
        _time.Advance(Window + TimeSpan.FromSeconds(1));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Equal(NodeLiveness.ProbesPerRound, liveness.Retired.Count);
        _time.Advance(TimeSpan.FromSeconds(2));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Equal(keys.Count, liveness.Retired.Count);
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public async Task ProxyBalancer_SkipsEndpointsOnRetiredNodes_BackWhenHeard()
    {
        var (store, liveness) = Create();
        _catalog.Kubernetes.SetConnected(false, _time.GetUtcNow());
        using var dead = PrivateKey.Generate();
        using var alive = PrivateKey.Generate();
        await Offer(store, dead, "edge-dead", 1);
        await Offer(store, alive, "edge-alive", 1);
        var balancer = new ServiceBalancer(new RoundRobinPolicy(), null, _time, liveness);
        balancer.Update([Backend("10.244.1.2", "edge-dead"), Backend("10.244.2.2", "edge-alive"), Backend("10.244.1.3", "edge-dead")]);
        var client = IPAddress.Parse("10.0.0.9");
        Assert.Equal(3, Enumerable.Range(0, 6).Select(_ => balancer.Choose(client)!.EndPoint).Distinct().Count());

        _time.Advance(TimeSpan.FromSeconds(200));
        await Offer(store, alive, "edge-alive", 2);
        _time.Advance(TimeSpan.FromSeconds(200));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.All(Enumerable.Range(0, 6), _ => Assert.Equal("edge-alive", balancer.Choose(client)!.NodeName));

        // Only endpoints on retired nodes left: nothing to choose (a dial there could only fail).
        var onlyDead = new ServiceBalancer(new RoundRobinPolicy(), null, _time, liveness);
        onlyDead.Update([Backend("10.244.1.2", "edge-dead")]);
        Assert.Null(onlyDead.Choose(client));

        await Offer(store, dead, "edge-dead", 2);
        Assert.Equal("edge-dead", onlyDead.Choose(client)!.NodeName);
    }

    [Fact]
    public async Task Libp2p_ConnectedPeerKept_KilledPeerRetiredAfterAFailedProbe_BackOnReconnect()
    {
        await using var a = await TestNode.StartAsync(_dir, "tw-a", directory: false);
        var b = await TestNode.StartAsync(_dir, "tw-b", directory: false);
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var api = new ApiView(a.Store, _catalog, () => [_catalog.Kubernetes], time);
        using var liveness = new NodeLiveness(a.Store, api, _policies, a.Network, a.Tunnel, () => [], time, NullLogger.Instance, _meter, TimeSpan.FromSeconds(5));
        liveness.Start();
        _catalog.Kubernetes.SetConnected(false, time.GetUtcNow());
        await a.Store.AcceptAsync(RecordsOf(b), "peer:" + b.PeerId, CancellationToken.None);
        await a.ConnectAsync(b);

        time.Advance(TimeSpan.FromSeconds(400));
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired); // a live connection is hearing it

        await b.DisposeAsync(); // the agent dies without a word
        await Eventually.TrueAsync(() => a.Network.Connections.All(c => c.PeerId.ToString() != b.PeerId), "connection gone");
        time.Advance(TimeSpan.FromSeconds(400));
        await liveness.EvaluateAsync(CancellationToken.None);
        var retired = Assert.Single(liveness.Retired);
        Assert.Equal("tw-b", retired.NodeName);
        Assert.Contains("probe", retired.Reason, StringComparison.Ordinal);
        Assert.Null(a.Store.Resolve("tw-b"));

        // Restarted with the same identity: its connection brings it back at once.
        await using var again = await TestNode.StartAsync(_dir, "tw-b2", directory: false, keyName: "tw-b");
        Assert.Equal(b.PeerId, again.PeerId);
        await again.ConnectAsync(a);
        await Eventually.TrueAsync(() => liveness.Retired.Count == 0, "back on reconnection");
        Assert.NotNull(a.Store.Resolve("tw-b"));
    }

    [Fact]
    public async Task Libp2p_SilentButAlive_AnswersTheProbe_NotRetired()
    {
        await using var a = await TestNode.StartAsync(_dir, "tw-probe-a", directory: false);
        await using var c = await TestNode.StartAsync(_dir, "tw-probe-c", directory: false);
        // The agent's tunnel finds peers through the directory, as in the host.
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<INodeDirectory>(services, a.Store);
        var tunnel = new PluginMesh.Plugins.Tunnel.Libp2p.Mesh.MeshTunnel(a.Node, new SingletonServices(services));
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var api = new ApiView(a.Store, _catalog, () => [_catalog.Kubernetes], time);
        using var liveness = new NodeLiveness(a.Store, api, _policies, a.Network, tunnel, () => [], time, NullLogger.Instance, _meter, TimeSpan.FromSeconds(10));
        liveness.Start();
        _catalog.Kubernetes.SetConnected(false, time.GetUtcNow());
        await a.Store.AcceptAsync(RecordsOf(c), "peer:" + c.PeerId, CancellationToken.None);
        Assert.DoesNotContain(a.Network.Connections, x => x.PeerId.ToString() == c.PeerId);

        time.Advance(TimeSpan.FromSeconds(400)); // no refresh, no connection, no mDNS: the policy says retire
        await liveness.EvaluateAsync(CancellationToken.None);
        Assert.Empty(liveness.Retired); // it answered the probe
        Assert.Contains(a.Network.Connections, x => x.PeerId.ToString() == c.PeerId);
        Assert.NotNull(a.Store.Resolve("tw-probe-c"));
    }

    private static PluginMesh.Plugins.Directory.P2p.Records.SignedNodeRecord RecordsOf(TestNode node)
    {
        var key = node.Node.Identity;
        var record = new NodeRecord(node.Name, key.PeerId, [PluginMesh.P2p.Multiaddr.Parse(node.Address)], [], [], 1, DateTimeOffset.UtcNow.AddHours(1), new Dictionary<string, string>());
        return PluginMesh.Plugins.Directory.P2p.Records.RecordCodec.Sign(record, key.PublicKey.Protobuf, d => key.Sign(d));
    }

    private static Backend Backend(string ip, string node) => new(new IPEndPoint(IPAddress.Parse(ip), 8080), node, false, new BackendHealth());

    private (RecordStore Store, NodeLiveness Liveness) Create()
    {
        var store = Stores.Create(_time);
        var api = new ApiView(store, _catalog, () => [_catalog.Kubernetes], _time);
        var liveness = new NodeLiveness(store, api, _policies, null, null, () => [], _time, NullLogger.Instance, _meter, TimeSpan.FromSeconds(5));
        liveness.Start();
        return (store, liveness);
    }

    private static async Task Offer(RecordStore store, PrivateKey key, string node, long sequence) =>
        Assert.Equal(AcceptStatus.Accepted, (await store.AcceptAsync(TestRecords.Signed(key, node, sequence), "peer:x", CancellationToken.None)).Status);

    private Func<long> Gauge(string name)
    {
        long last = -1;
        var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter, _meter) && i.Name == name) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => last = value);
        listener.Start();
        return () =>
        {
            listener.RecordObservableInstruments();
            return last;
        };
    }

    public void Dispose()
    {
        _policies.Dispose();
        _meter.Dispose();
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
