using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Status;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Decides how to reach an endpoint. EdgeMesh tunnelled everything, which broke cloud nodes whose
/// pod networks are routable; here only endpoints that cannot be dialed go through the tunnel.
/// </summary>
/// <param name="options">The proxy's configuration (routableCidrs, directNodes, flatPodNetwork).</param>
/// <param name="tunnelAvailable">Whether a tunnel plugin runs.</param>
/// <param name="nodeName">This node's name (for <see cref="ProxyOptions.FlatPodNetworkLabel"/>).</param>
/// <param name="catalog">
/// The catalog's nodes as they are now, read at every decision (podCIDRs and labels come from the
/// API and change); null: no flat pod network.
/// </param>
public sealed class RoutePlanner(ProxyOptions options, bool tunnelAvailable, string? nodeName = null, IServiceCatalog? catalog = null)
{
    /// <summary>The path for <paramref name="backend"/>.</summary>
    public ProxyPath Plan(Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.Local) return ProxyPath.Local;
        // Unknown node or no tunnel plugin: a direct dial is the only thing that could work.
        if (backend.NodeName is null || !tunnelAvailable) return ProxyPath.Direct;
        if (options.DirectNodes.Contains(backend.NodeName, StringComparer.Ordinal)) return ProxyPath.Direct;
        foreach (var net in options.RoutableCidrs)
        {
            if (net.Contains(backend.EndPoint.Address)) return ProxyPath.Direct;
        }
        return InFlatPodNetwork(backend.NodeName, backend.EndPoint.Address) ? ProxyPath.Direct : ProxyPath.Tunnel;
    }

    /// <summary>
    /// The flat pod network as this node sees it now (status): the nodes sharing it and their pod
    /// CIDRs, or null when <see cref="ProxyOptions.FlatPodNetwork"/> is off.
    /// </summary>
    public FlatPodNetworkStatus? FlatPodNetworkStatus()
    {
        if (!options.FlatPodNetwork || catalog is null) return null;
        var nodes = catalog.Current.Nodes;
        var shared = nodes.Values.Where(n => n.Name != nodeName && SharesPodNetwork(nodes, n) && PodCidrs(n).Count > 0)
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new FlatPodNetworkNode(n.Name, [.. PodCidrs(n).Select(c => c.ToString())]))
            .ToList();
        return new FlatPodNetworkStatus(options.FlatPodNetworkLabel, OwnLabelValue(nodes), shared);
    }

    // The endpoint is one of its node's pods (inside the node's podCIDRs, not e.g. a hostNetwork pod on
    // the node's own address) and the operator says that node's pod network is reachable from here.
    private bool InFlatPodNetwork(string node, IPAddress address)
    {
        if (!options.FlatPodNetwork || catalog is null) return false;
        var nodes = catalog.Current.Nodes;
        return nodes.TryGetValue(node, out var n) && SharesPodNetwork(nodes, n) && PodCidrs(n).Any(c => c.Contains(address));
    }

    private bool SharesPodNetwork(IReadOnlyDictionary<string, MeshNode> nodes, MeshNode other) =>
        options.FlatPodNetworkLabel is not { } label
        || (OwnLabelValue(nodes) is { } mine && other.Labels?.GetValueOrDefault(label) == mine);

    private string? OwnLabelValue(IReadOnlyDictionary<string, MeshNode> nodes) =>
        options.FlatPodNetworkLabel is { } label && nodeName is not null && nodes.TryGetValue(nodeName, out var self)
            ? self.Labels?.GetValueOrDefault(label)
            : null;

    // Parsed at each use: a node has one or two; a value the API would never hold is not a network.
    private static List<IPNetwork> PodCidrs(MeshNode node)
    {
        var result = new List<IPNetwork>(node.PodCidrs.Count);
        foreach (var text in node.PodCidrs)
        {
            if (IPNetwork.TryParse(text, out var net)) result.Add(net);
        }

        return result;
    }
}
