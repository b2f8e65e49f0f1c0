using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Publishing;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Publishing;

/// <summary>
/// The agent publishing itself on its own Node, against the fake API server: what it writes, when,
/// how often, and what it does when the API refuses or is away.
/// </summary>
public sealed class NodeAnnotationPublisherTests : IDisposable
{
    private static readonly string Self = TestPeers.Self.ToString();
    private static readonly string Relay = TestPeers.Relay.ToString();

    private readonly ConcurrentQueue<string> _outcomes = new();
    private readonly MeterListener _listener = new();

    public void Dispose() => _listener.Dispose();

    private KubeHarness Harness()
    {
        var h = new KubeHarness();
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "192.168.1.10"));
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.2.0/24", "192.168.1.20"));
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == h.Meter && i.Name == "pluginmesh.catalog.publish") l.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) => _outcomes.Enqueue(tags.ToArray().Single(t => t.Key == "outcome").Value!.ToString()!));
        _listener.Start();
        return h;
    }

    private static KubernetesCatalogOptions Fast(KubeHarness h, int intervalMs = 1000, int backoffMs = 50, int backoffMaxMs = 400) => h.Options() with
    {
        PublishInterval = TimeSpan.FromMilliseconds(intervalMs),
        BackoffInitial = TimeSpan.FromMilliseconds(backoffMs),
        PublishBackoffMax = TimeSpan.FromMilliseconds(backoffMaxMs),
    };

    private static TestLocalPeer Peer(params string[] addresses)
    {
        var peer = new TestLocalPeer(TestPeers.Self);
        peer.Announce(addresses);
        return peer;
    }

    private static Dictionary<string, string> Annotations(FakeCluster cluster, string node) =>
        cluster.Get(FakeCluster.Nodes, node)!["metadata"]!["annotations"] is JsonObject a
            ? a.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>())
            : [];

    private static string[] Addrs(FakeCluster cluster, string node) =>
        Annotations(cluster, node).TryGetValue(AgentAnnotations.AddressesKey, out var json) ? JsonSerializer.Deserialize<string[]>(json)! : [];

    private int Count(string outcome) => _outcomes.Count(o => o == outcome);

    [Fact]
    public async Task Start_PublishesPeerIdDialableAddressesAndRelay_OnItsOwnNodeOnly()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var peer = Peer("/ip4/192.168.1.10/tcp/4001", "/ip4/127.0.0.1/tcp/4001", "/ip4/169.254.96.16/tcp/4001",
            $"/ip4/203.0.113.1/tcp/4001/p2p/{Relay}/p2p-circuit", "/ip4/203.0.113.10/tcp/4001");
        peer.OfferRelay();

        var publisher = await h.StartPublisherAsync("node-a", peer, Fast(h));

        await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "published");
        var a = Annotations(h.Cluster, "node-a");
        Assert.Equal(Self, a[AgentAnnotations.PeerIdKey]);
        Assert.Equal(["/ip4/203.0.113.10/tcp/4001", $"/ip4/203.0.113.1/tcp/4001/p2p/{Relay}/p2p-circuit", "/ip4/192.168.1.10/tcp/4001"], Addrs(h.Cluster, "node-a"));
        Assert.Equal("true", a[AgentAnnotations.RelayKey]);
        Assert.Empty(Annotations(h.Cluster, "node-b"));
        Assert.Equal([(FakeCluster.Nodes, "node-a")], h.Cluster.Patches);
        // One read of its own Node (nothing had said what it carries), one merge patch of it, nothing else.
        Assert.Equal(["GET /api/v1/nodes/node-a HTTP/1.1", "PATCH /api/v1/nodes/node-a HTTP/1.1"], h.Server.Requests);
        var status = publisher.Status;
        Assert.Equal(("node-a", Self, 3, true, 1L), (status.Node, status.PeerId, status.Addresses, status.Relay, status.Patches));
        Assert.NotNull(status.LastPublished);
        Assert.Equal(["published"], _outcomes);
        Assert.Single(h.PublishLog.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("Node node-a carries this agent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_NodeAlreadyCarriesTheValues_NoPatch()
    {
        await using var h = Harness();
        var values = AgentAnnotations.Encode(TestPeers.Self, Peer("/ip4/192.168.1.10/tcp/4001").Addresses, offersRelay: false);
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "192.168.1.10",
            values.ToDictionary().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!)));
        h.Server.Start(0);

        var publisher = await h.StartPublisherAsync("node-a", Peer("/ip4/192.168.1.10/tcp/4001"), Fast(h));

        await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "found published");
        Assert.Empty(h.Cluster.Patches);
        Assert.Equal(["unchanged"], _outcomes);
        Assert.Equal(0, publisher.Status.Patches);
    }

    [Fact]
    public async Task AddressAndOfferChanges_Republished_RelayRemovedNotFalse()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var peer = Peer("/ip4/192.168.1.10/tcp/4001");
        peer.OfferRelay();
        var publisher = await h.StartPublisherAsync("node-a", peer, Fast(h));
        await Eventually.TrueAsync(() => Annotations(h.Cluster, "node-a").ContainsKey(AgentAnnotations.RelayKey), "first publication");

        peer.Announce("/ip4/192.168.1.10/tcp/4001", "/ip4/203.0.113.10/tcp/4001");
        await Eventually.TrueAsync(() => Addrs(h.Cluster, "node-a").Length == 2, "new address published");
        Assert.Equal("/ip4/203.0.113.10/tcp/4001", Addrs(h.Cluster, "node-a")[0]);

        peer.WithdrawOffer("relay");
        await Eventually.TrueAsync(() => !Annotations(h.Cluster, "node-a").ContainsKey(AgentAnnotations.RelayKey), "relay offer withdrawn");
        Assert.Equal(3, h.Cluster.Patches.Count);
        // The fake applies a patch before it answers: status follows once the answer is read.
        await Eventually.TrueAsync(() => publisher.Status is { Relay: false, Patches: 3 }, "status follows the third patch");
        // Another agent's view: the Node's binding follows.
        var agent = AgentAnnotations.Decode(Annotations(h.Cluster, "node-a"), []);
        Assert.Equal((TestPeers.Self, 2, false), (agent!.PeerId, agent.Addresses.Count, agent.OffersRelay));
    }

    [Fact]
    public async Task BurstOfChanges_DebouncedIntoOnePatch_AtMostOnePerInterval()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var peer = Peer("/ip4/192.168.1.10/tcp/4001");
        var publisher = await h.StartPublisherAsync("node-a", peer, Fast(h, intervalMs: 3000));
        await Eventually.TrueAsync(() => h.Cluster.Patches.Count == 1, "first publication");

        // Twenty changes 50 ms apart, the way addresses arrive while relays are reserved and NATs observed.
        for (var i = 1; i <= 20; i++)
        {
            peer.Announce("/ip4/192.168.1.10/tcp/4001", $"/ip4/203.0.113.{i}/tcp/4001");
            await Task.Delay(50);
        }

        await Eventually.TrueAsync(() => Addrs(h.Cluster, "node-a").Contains("/ip4/203.0.113.20/tcp/4001"), "the last value published");
        await Task.Delay(4000); // another interval: nothing more is sent for the burst
        Assert.Equal(2, h.Cluster.Patches.Count);
        var times = h.Cluster.PatchTimes;
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(2900), $"patches {(times[1] - times[0]).TotalMilliseconds} ms apart, interval 3000 ms");
        Assert.Equal(2, publisher.Status.Patches);
    }

    [Theory]
    [InlineData("forbidden")]
    [InlineData("unsupported")]
    public async Task Refused_ReportsStateAndError_WarnsOnce_BacksOff_ThenRecovers(string refusal)
    {
        await using var h = Harness();
        if (refusal == "forbidden") h.Cluster.ForbidPatch(FakeCluster.Nodes, "node-a");
        else h.Cluster.PatchNotSupported = true;
        h.Server.Start(0);
        var peer = Peer("/ip4/192.168.1.10/tcp/4001");
        var publisher = await h.StartPublisherAsync("node-a", peer, Fast(h, backoffMs: 100, backoffMaxMs: 400));

        await Eventually.TrueAsync(() => Count(refusal) >= 4, "refused and retried");
        var status = publisher.Status;
        Assert.Equal(refusal, status.State);
        Assert.Contains(refusal == "forbidden" ? "HTTP 403" : "HTTP 405", status.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.LastErrorAt);
        // Address changes meanwhile do not make it ask sooner: pauses of 100, 200, 400, 400… ms.
        var started = DateTime.UtcNow;
        var before = _outcomes.Count;
        for (var i = 0; i < 20; i++)
        {
            peer.Announce("/ip4/192.168.1.10/tcp/4001", $"/ip4/203.0.113.{i + 1}/tcp/4001");
            await Task.Delay(100);
        }

        var asked = _outcomes.Count - before;
        Assert.True(asked <= (DateTime.UtcNow - started).TotalMilliseconds / 300 + 1, $"{asked} attempts in {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");
        Assert.Single(h.PublishLog.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"({refusal}: ", h.PublishLog.Entries.Single(e => e.Level == LogLevel.Warning).Message, StringComparison.Ordinal);
        Assert.Empty(h.Cluster.Patches);

        h.Cluster.ForbidPatch(FakeCluster.Nodes, "node-a", forbidden: false);
        h.Cluster.PatchNotSupported = false;
        await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "published once allowed");
        Assert.Equal("/ip4/203.0.113.20/tcp/4001", Addrs(h.Cluster, "node-a")[0]);
        Assert.Single(h.PublishLog.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("carries this agent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiAway_Offline_ThenPublishedAsSoonAsTheCatalogHearsTheApi()
    {
        await using var h = Harness();
        h.Server.Start(0); // for a port: the API is down from here until it comes back on that port
        await h.Server.StopAsync();
        var peer = Peer("/ip4/192.168.1.10/tcp/4001");
        // A pause after failures (8-12 min) far beyond Eventually's bound: only hearing from the API can end it in time.
        var options = Fast(h, backoffMs: 600000, backoffMaxMs: 600000);
        var publisher = await h.StartPublisherAsync("node-a", peer, options);
        var source = await h.StartSourceAsync(new RecordingCatalogSink(), options with { BackoffInitial = TimeSpan.FromMilliseconds(10) }, publisher);

        await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Offline, "offline");
        Assert.NotNull(publisher.Status.LastError);
        Assert.Contains(h.PublishLog.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("(offline: ", StringComparison.Ordinal));
        Assert.Equal(PublishStates.Offline, source.Status.Publish!.State);

        h.Server.Start();
        await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "published when the API came back, not after its pause");
        Assert.Equal(Self, Annotations(h.Cluster, "node-a")[AgentAnnotations.PeerIdKey]);
        Assert.Equal(PublishStates.Published, source.Status.Publish!.State);
    }

    [Fact]
    public async Task WithTheCatalogWatching_NoReadNeeded_AndRemovedAnnotationsPutBack()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var options = Fast(h);
        var publisher = new NodeAnnotationPublisher(options, "node-a", Peer("/ip4/192.168.1.10/tcp/4001"), h.PublishLog, TimeProvider.System, h.Meter);
        var source = await h.StartSourceAsync(new RecordingCatalogSink(), options, publisher);
        await Eventually.TrueAsync(() => source.Synced, "the catalog listed the Node first");
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "published");
            Assert.DoesNotContain(h.Server.Requests, r => r.StartsWith("GET /api/v1/nodes/", StringComparison.Ordinal));

            // Someone strips the annotations: the watch tells the publisher, which puts them back (within its rate limit).
            h.Cluster.Patch(FakeCluster.Nodes, "node-a", JsonNode.Parse("""{"metadata":{"annotations":{"pluginmesh.io/peer-id":null,"pluginmesh.io/addrs":null}}}"""), jsonPatch: false);
            await Eventually.TrueAsync(() => h.Cluster.Patches.Count == 3, "put back");
            await Eventually.TrueAsync(() => Annotations(h.Cluster, "node-a").GetValueOrDefault(AgentAnnotations.PeerIdKey) == Self, "peer id back");
            await Eventually.TrueAsync(() => publisher.Status.Patches == 2, "status counts the second patch");
            Assert.Equal(3, h.Cluster.Patches.Count);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            publisher.Dispose();
        }
    }

    [Fact]
    public async Task NodeNotThereYet_Failed404_ThenPublishedWhenItAppears()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var options = Fast(h, backoffMs: 600000, backoffMaxMs: 600000);
        var publisher = new NodeAnnotationPublisher(options, "node-new", Peer("/ip4/192.168.1.30/tcp/4001"), h.PublishLog, TimeProvider.System, h.Meter);
        var source = await h.StartSourceAsync(new RecordingCatalogSink(), options, publisher);
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Failed, "failed");
            Assert.Contains("HTTP 404", publisher.Status.LastError, StringComparison.Ordinal);

            h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-new", "10.244.3.0/24", "192.168.1.30"));
            await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "published once the Node registered");
            Assert.Equal(Self, Annotations(h.Cluster, "node-new")[AgentAnnotations.PeerIdKey]);
            Assert.True(source.Synced);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            publisher.Dispose();
        }
    }

    [Fact]
    public async Task SwitchedOffOrNoPeer_Off_NothingSent()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var off = await h.StartPublisherAsync("node-a", Peer("/ip4/192.168.1.10/tcp/4001"), Fast(h) with { Publish = false });
        var noPeer = await h.StartPublisherAsync("node-b", null, Fast(h));

        await Task.Delay(1500);
        Assert.Equal((PublishStates.Off, "publish: false"), (off.Status.State, off.Status.Reason));
        Assert.Equal(PublishStates.Off, noPeer.Status.State);
        Assert.Contains("no tunnel plugin", noPeer.Status.Reason, StringComparison.Ordinal);
        Assert.Null(noPeer.Status.PeerId);
        Assert.Empty(h.Server.Requests);
        Assert.Empty(_outcomes);
        Assert.Equal(2, h.PublishLog.Containing("not publishing this agent").Count);
    }

    [Fact]
    public async Task NoDialableAddressYet_WaitsForOne_ThenPublishes()
    {
        await using var h = Harness();
        h.Server.Start(0);
        var peer = Peer("/ip4/0.0.0.0/tcp/4001", "/ip4/169.254.96.16/tcp/4001");
        var publisher = await h.StartPublisherAsync("node-a", peer, Fast(h, intervalMs: 30000));

        await Task.Delay(1500);
        Assert.Equal(PublishStates.Pending, publisher.Status.State);
        Assert.Empty(h.Server.Requests);

        peer.Announce("/ip4/127.0.0.1/tcp/4001", "/ip4/192.168.1.10/tcp/4001");
        await Eventually.TrueAsync(() => publisher.Status.State == PublishStates.Published, "published with the first dialable address");
        Assert.Equal(["/ip4/192.168.1.10/tcp/4001"], Addrs(h.Cluster, "node-a"));
    }

    [Fact]
    public async Task Published_AnotherAgentsCatalogSeesTheModifiedNodeWithItsAgent()
    {
        await using var h = Harness();
        h.Server.Start(0);
        // Another agent's catalog, watching Nodes before this agent publishes.
        var sink = new RecordingCatalogSink();
        var other = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => other.Synced, "the other agent listed");
        Assert.Null(sink.Get<MeshNode>(CatalogObjectKind.Node, "node-a")!.Agent);
        var peer = Peer("/ip4/192.168.1.10/tcp/4001", $"/ip4/203.0.113.1/tcp/4001/p2p/{Relay}/p2p-circuit");
        peer.OfferRelay();

        await h.StartPublisherAsync("node-a", peer, Fast(h));

        await Eventually.TrueAsync(() => sink.Get<MeshNode>(CatalogObjectKind.Node, "node-a")?.Agent is not null, "the watch delivered the agent");
        var agent = sink.Get<MeshNode>(CatalogObjectKind.Node, "node-a")!.Agent!;
        Assert.Equal(TestPeers.Self, agent.PeerId);
        Assert.Equal([$"/ip4/203.0.113.1/tcp/4001/p2p/{Relay}/p2p-circuit/p2p/{Self}", $"/ip4/192.168.1.10/tcp/4001/p2p/{Self}"],
            agent.Addresses.Select(a => a.ToString()));
        Assert.True(agent.OffersRelay);
        // Through the watch (a MODIFIED event), not a new list; node-b untouched.
        Assert.Equal(1, other.Status.Relists);
        Assert.Null(sink.Get<MeshNode>(CatalogObjectKind.Node, "node-b")!.Agent);
    }

    [Theory]
    [InlineData("forbidden")]
    [InlineData("unsupported")]
    public async Task Refused_TheCatalogKeepsWorking_AndStatusSaysWhy(string refusal)
    {
        await using var h = Harness();
        if (refusal == "forbidden") h.Cluster.ForbidPatch(FakeCluster.Nodes, "node-a");
        else h.Cluster.PatchNotSupported = true;
        h.Server.Start(0);
        var options = Fast(h);
        var publisher = new NodeAnnotationPublisher(options, "node-a", Peer("/ip4/192.168.1.10/tcp/4001"), h.PublishLog, TimeProvider.System, h.Meter);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, options, publisher);
        await Eventually.TrueAsync(() => source.Synced, "listed");
        await publisher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => source.Status.Publish!.State == refusal, refusal);
            Assert.Contains(refusal == "forbidden" ? "HTTP 403" : "HTTP 405", source.Status.Publish!.LastError, StringComparison.Ordinal);

            // The catalog still lists and watches: a Service and a Node added now arrive.
            h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
            h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-c", "10.244.3.0/24", "192.168.1.30"));
            await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web") is not null, "service delivered");
            await Eventually.TrueAsync(() => sink.Get<MeshNode>(CatalogObjectKind.Node, "node-c") is not null, "node delivered");
            Assert.True(source.Connected);
            Assert.Null(source.Status.LastError);
            Assert.Empty(h.Cluster.Patches);
            Assert.Null(sink.Get<MeshNode>(CatalogObjectKind.Node, "node-a")!.Agent);
        }
        finally
        {
            await publisher.StopAsync(CancellationToken.None);
            publisher.Dispose();
        }
    }
}
