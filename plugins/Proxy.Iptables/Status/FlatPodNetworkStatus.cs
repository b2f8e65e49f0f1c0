namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>The <c>flatPodNetwork</c> part of the <c>proxy</c> status: whose pods are dialed directly.</summary>
/// <param name="Label">The node label naming the flat network (<c>flatPodNetworkLabel</c>), or null: every node shares it.</param>
/// <param name="Value">This node's value of that label; null without a label, or when this node lacks it (then no node shares it).</param>
/// <param name="Nodes">The other nodes sharing this node's pod network, with the pod CIDRs the catalog has for them.</param>
public sealed record FlatPodNetworkStatus(string? Label, string? Value, IReadOnlyList<FlatPodNetworkNode> Nodes);

/// <summary>A node whose pods are dialed directly.</summary>
/// <param name="Node">Node name.</param>
/// <param name="PodCidrs">Its pod CIDRs (from the API's <c>spec.podCIDRs</c>).</param>
public sealed record FlatPodNetworkNode(string Node, IReadOnlyList<string> PodCidrs);
