using System.Net;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Forwarding;

/// <summary>
/// Path choice with a flat pod network: endpoints inside their own node's podCIDRs (from the
/// catalog) are dialed directly when that node shares this node's pod network; nothing else changes.
/// </summary>
public sealed class RoutePlannerTests
{
    private static readonly Dictionary<string, string> ZoneA = new() { ["topology.kubernetes.io/zone"] = "lan-a" };
    private static readonly Dictionary<string, string> ZoneB = new() { ["topology.kubernetes.io/zone"] = "lan-b" };

    private static Backend At(string ip, string? node) => new(new IPEndPoint(IPAddress.Parse(ip), 8080), node, false, new BackendHealth());

    private static FakeCatalog Catalog(Func<CatalogBuilder, CatalogBuilder> nodes)
    {
        var catalog = new FakeCatalog();
        catalog.Publish(nodes(new CatalogBuilder()));
        return catalog;
    }

    private static FakeCatalog ThreeNodes() => Catalog(b => b
        .Node("node-a", ZoneA, "10.244.1.0/24")
        .Node("node-b", ZoneA, "10.244.2.0/24", "fd00:244:2::/64")
        .Node("node-c", ZoneB, "10.244.3.0/24"));

    [Fact]
    public void Off_PodOfARemoteNode_GoesThroughTheTunnel()
    {
        var planner = new RoutePlanner(new ProxyOptions(), tunnelAvailable: true, "node-a", ThreeNodes());
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("10.244.2.10", "node-b")));
        Assert.Null(planner.FlatPodNetworkStatus());
    }

    [Fact]
    public void On_PodsInsideTheirNodesPodCidrs_Direct_EverythingElseAsBefore()
    {
        var planner = new RoutePlanner(new ProxyOptions { FlatPodNetwork = true }, tunnelAvailable: true, "node-a", ThreeNodes());

        Assert.Equal(ProxyPath.Direct, planner.Plan(At("10.244.2.10", "node-b")));
        Assert.Equal(ProxyPath.Direct, planner.Plan(At("fd00:244:2::10", "node-b")));
        Assert.Equal(ProxyPath.Direct, planner.Plan(At("10.244.3.10", "node-c")));
        // A hostNetwork pod (the node's own address), or an address of another node's range: not this node's pods.
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("192.168.1.20", "node-b")));
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("10.244.3.10", "node-b")));
        // A node the catalog does not hold: no podCIDRs known.
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("10.244.9.10", "node-z")));
        Assert.Equal(ProxyPath.Local, planner.Plan(At("10.244.1.10", "node-a") with { Local = true }));

        var status = planner.FlatPodNetworkStatus()!;
        Assert.Null(status.Label);
        Assert.Equal(["node-b", "node-c"], status.Nodes.Select(n => n.Node));
        Assert.Equal(["10.244.2.0/24", "fd00:244:2::/64"], status.Nodes[0].PodCidrs);
    }

    [Fact]
    public void Label_OnlyNodesWithThisNodesValue_ShareIt()
    {
        var options = new ProxyOptions { FlatPodNetwork = true, FlatPodNetworkLabel = "topology.kubernetes.io/zone" };
        var planner = new RoutePlanner(options, tunnelAvailable: true, "node-a", ThreeNodes());

        Assert.Equal(ProxyPath.Direct, planner.Plan(At("10.244.2.10", "node-b")));
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("10.244.3.10", "node-c")));
        var status = planner.FlatPodNetworkStatus()!;
        Assert.Equal(("topology.kubernetes.io/zone", "lan-a"), (status.Label, status.Value));
        Assert.Equal(["node-b"], status.Nodes.Select(n => n.Node));

        // This node without the label shares its pod network with nobody.
        var unlabelled = new RoutePlanner(options, tunnelAvailable: true, "node-x",
            Catalog(b => b.Node("node-x", "10.244.7.0/24").Node("node-b", ZoneA, "10.244.2.0/24").Node("node-y", "10.244.8.0/24")));
        Assert.Equal(ProxyPath.Tunnel, unlabelled.Plan(At("10.244.2.10", "node-b")));
        Assert.Equal(ProxyPath.Tunnel, unlabelled.Plan(At("10.244.8.10", "node-y")));
        Assert.Empty(unlabelled.FlatPodNetworkStatus()!.Nodes);
    }

    [Fact]
    public void CatalogChanges_AreFollowed()
    {
        var catalog = Catalog(b => b.Node("node-a", "10.244.1.0/24").Node("node-b"));
        var planner = new RoutePlanner(new ProxyOptions { FlatPodNetwork = true }, tunnelAvailable: true, "node-a", catalog);
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("10.244.2.10", "node-b")));

        // The API allocates node-b's podCIDR later (or the node registers later): the next dial goes direct.
        catalog.Publish(new CatalogBuilder().Node("node-a", "10.244.1.0/24").Node("node-b", "10.244.2.0/24"));
        Assert.Equal(ProxyPath.Direct, planner.Plan(At("10.244.2.10", "node-b")));
    }

    [Fact]
    public void MalformedPodCidr_IsNoNetwork()
    {
        var planner = new RoutePlanner(new ProxyOptions { FlatPodNetwork = true }, tunnelAvailable: true, "node-a",
            Catalog(b => b.Node("node-b", "10.244.2.0/33", "not-a-cidr", "10.244.12.0/24")));
        Assert.Equal(ProxyPath.Tunnel, planner.Plan(At("10.244.2.10", "node-b")));
        Assert.Equal(ProxyPath.Direct, planner.Plan(At("10.244.12.10", "node-b")));
        Assert.Equal(["10.244.12.0/24"], Assert.Single(planner.FlatPodNetworkStatus()!.Nodes).PodCidrs);
    }
}
