using System.Net;
using System.Text.Json.Nodes;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.P2p;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// Learning from the cluster: what agents published on their Nodes (<c>pluginmesh.io/*</c>) reaches
/// the catalog as <see cref="MeshNode.Agent"/>, through lists and watches; what cannot be read is
/// ignored with a rate-limited warning and the rest of the Node stays.
/// </summary>
public sealed class NodeAgentSourceTests
{
    private static readonly string Self = TestPeers.Self.ToString();
    private static readonly string Relay = TestPeers.Relay.ToString();

    private static Dictionary<string, string> Published(string peer, string addrs, string? relay = null)
    {
        var d = new Dictionary<string, string> { [AgentAnnotations.PeerIdKey] = peer, [AgentAnnotations.AddressesKey] = addrs };
        if (relay is not null) d[AgentAnnotations.RelayKey] = relay;
        return d;
    }

    private static MeshNode? Node(RecordingCatalogSink sink, string name) => sink.Get<MeshNode>(CatalogObjectKind.Node, name);

    [Fact]
    public async Task List_NodeAnnotations_BecomeTheNodesAgent_BesideItsOwnAddresses()
    {
        await using var h = new KubeHarness();
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "192.168.1.10",
            Published(Self, $"[\"/ip4/203.0.113.5/tcp/4001\",\"/ip4/198.51.100.1/tcp/4001/p2p/{Relay}/p2p-circuit\"]", "true"), externalIp: "203.0.113.5"));
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.2.0/24", "192.168.1.20"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);

        await Eventually.TrueAsync(() => source.Synced, "synced");
        var a = Node(sink, "node-a")!;
        Assert.NotNull(a.Agent);
        Assert.Equal(TestPeers.Self, a.Agent.PeerId);
        Assert.True(a.Agent.OffersRelay);
        Assert.Equal([Multiaddr.Parse($"/ip4/203.0.113.5/tcp/4001/p2p/{Self}"), Multiaddr.Parse($"/ip4/198.51.100.1/tcp/4001/p2p/{Relay}/p2p-circuit/p2p/{Self}")], a.Agent.Addresses);
        Assert.Equal([IPAddress.Parse("192.168.1.10"), IPAddress.Parse("203.0.113.5")], a.Addresses);
        Assert.Equal(["10.244.1.0/24"], a.PodCidrs);
        Assert.Null(Node(sink, "node-b")!.Agent);
        Assert.Equal((2, 1), (source.Status.Nodes, source.Status.Agents));
        Assert.Empty(h.Log.Containing("annotation"));
    }

    [Fact]
    public async Task RestartWithTheApiGone_BindingsServedFromTheCache()
    {
        await using var h = new KubeHarness();
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "192.168.1.10", Published(Self, "[\"/ip4/192.168.1.10/tcp/4001\"]", "true")));
        h.Server.Start(0);
        var first = await h.StartSourceAsync(new RecordingCatalogSink());
        await Eventually.TrueAsync(() => first.Synced && h.Cached<MeshNode>(CatalogObjectKind.Node, "node-a")?.Agent is not null, "binding in the cache");
        await KubeHarness.StopSourceAsync(first);
        await h.Server.StopAsync();

        var sink = new RecordingCatalogSink();
        var restarted = await h.StartSourceAsync(sink);

        await Eventually.TrueAsync(() => restarted.Synced, "served from the cache");
        Assert.True(restarted.Status.FromCache);
        var agent = Node(sink, "node-a")!.Agent!;
        Assert.Equal((TestPeers.Self, true), (agent.PeerId, agent.OffersRelay));
        Assert.Equal([Multiaddr.Parse($"/ip4/192.168.1.10/tcp/4001/p2p/{Self}")], agent.Addresses);
        Assert.Equal(1, restarted.Status.Agents);
    }

    [Fact]
    public async Task Watch_AnnotationsPatched_AgentFollows()
    {
        await using var h = new KubeHarness();
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-a", "10.244.1.0/24", "192.168.1.10"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");
        Assert.Null(Node(sink, "node-a")!.Agent);

        // What a publishing agent sends: a merge patch of its own Node's annotations.
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject
        {
            [AgentAnnotations.PeerIdKey] = Self,
            [AgentAnnotations.AddressesKey] = "[\"/ip4/192.168.1.10/tcp/4001\"]",
            [AgentAnnotations.RelayKey] = "true",
        } } };
        h.Cluster.Patch(FakeCluster.Nodes, "node-a", patch, jsonPatch: false);
        await Eventually.TrueAsync(() => Node(sink, "node-a")?.Agent?.OffersRelay == true, "binding learned from the watch");
        Assert.Equal([Multiaddr.Parse($"/ip4/192.168.1.10/tcp/4001/p2p/{Self}")], Node(sink, "node-a")!.Agent!.Addresses);

        h.Cluster.Patch(FakeCluster.Nodes, "node-a", JsonNode.Parse("""{"metadata":{"annotations":{"pluginmesh.io/relay":null,"pluginmesh.io/addrs":"[\"/ip4/192.168.1.10/tcp/4001\",\"/ip4/203.0.113.5/tcp/4001\"]"}}}"""), jsonPatch: false);
        await Eventually.TrueAsync(() => Node(sink, "node-a")?.Agent is { OffersRelay: false, Addresses.Count: 2 }, "relay offer withdrawn, address added");
        Assert.Equal(1, source.Status.Agents);

        h.Cluster.Patch(FakeCluster.Nodes, "node-a", JsonNode.Parse("""{"metadata":{"annotations":{"pluginmesh.io/peer-id":null,"pluginmesh.io/addrs":null}}}"""), jsonPatch: false);
        await Eventually.TrueAsync(() => Node(sink, "node-a") is { Agent: null }, "binding gone with the annotations");
        Assert.Equal(["10.244.1.0/24"], Node(sink, "node-a")!.PodCidrs);
    }

    [Fact]
    public async Task BadAndForeignAnnotations_IgnoredWithOneWarningPerKind_NodeKept()
    {
        await using var h = new KubeHarness();
        for (var i = 1; i <= 3; i++)
            h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node($"bad-peer-{i}", $"10.244.{i}.0/24", $"192.168.1.{i}", Published("garbage-" + i, "[]")));
        for (var i = 4; i <= 5; i++)
            h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node($"bad-addrs-{i}", $"10.244.{i}.0/24", $"192.168.1.{i}", Published(Self, "{\"not\":\"a list\"}", "maybe")));
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("oversized", "10.244.6.0/24", "192.168.1.6",
            Published(Self, "[" + string.Join(',', Enumerable.Repeat($"\"/dns4/{new string('x', 250)}/tcp/4001\"", 20)) + "]")));
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("foreign", "10.244.7.0/24", "192.168.1.7",
            new Dictionary<string, string> { [AgentAnnotations.PeerIdKey] = Self, ["pluginmesh.io/colour"] = "blue", ["flannel.alpha.coreos.com/public-ip"] = "203.0.113.7" }));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        // Every node is there with its own addresses and pod CIDRs, whatever its annotations.
        Assert.Equal(7, source.Status.Nodes);
        for (var i = 1; i <= 3; i++)
        {
            var n = Node(sink, $"bad-peer-{i}")!;
            Assert.Null(n.Agent);
            Assert.Equal([IPAddress.Parse($"192.168.1.{i}")], n.Addresses);
            Assert.Equal([$"10.244.{i}.0/24"], n.PodCidrs);
        }

        // A bad address list or relay value does not cost the PeerId binding.
        var badAddrs = Node(sink, "bad-addrs-4")!.Agent!;
        Assert.Equal((TestPeers.Self, 0, false), (badAddrs.PeerId, badAddrs.Addresses.Count, badAddrs.OffersRelay));
        Assert.Empty(Node(sink, "oversized")!.Agent!.Addresses);
        Assert.Equal(TestPeers.Self, Node(sink, "foreign")!.Agent!.PeerId);
        Assert.Equal(4, source.Status.Agents);

        // One warning per annotation and minute (the plugin's rate limit: one per kind of problem),
        // naming the first node; never one per node. The two bad address lists share one.
        Assert.Single(h.Log.Containing("annotation pluginmesh.io/peer-id ignored"));
        Assert.Single(h.Log.Containing("annotation pluginmesh.io/addrs ignored"));
        Assert.Single(h.Log.Containing("annotation pluginmesh.io/relay ignored"));
        Assert.Single(h.Log.Containing("unknown annotation 'pluginmesh.io/colour'"));
        Assert.Contains("skipped nodes bad-peer-1:", h.Log.Containing("annotation pluginmesh.io/peer-id ignored")[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Log.Entries, e => e.Message.Contains("flannel", StringComparison.Ordinal));

        // The same problem arriving through the watch is counted, not logged again within the minute.
        var skipped = source.Status.Skipped;
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("bad-peer-9", "10.244.9.0/24", "192.168.1.9", Published("garbage-9", "[]")));
        await Eventually.TrueAsync(() => Node(sink, "bad-peer-9") is not null, "bad node from the watch");
        Assert.Single(h.Log.Containing("annotation pluginmesh.io/peer-id ignored"));
        Assert.True(source.Status.Skipped > skipped);
    }
}
