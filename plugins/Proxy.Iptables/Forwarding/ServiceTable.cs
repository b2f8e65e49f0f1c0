using System.Collections.Frozen;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>An immutable view of what the proxy serves, rebuilt on each catalog change.</summary>
/// <param name="Version">Catalog version it was built from.</param>
/// <param name="Entries">Service ports by key.</param>
/// <param name="ByVip">Service ports by ClusterIP, port and protocol (for intercepted connections).</param>
public sealed record ServiceTable(long Version, FrozenDictionary<PortKey, ServicePortEntry> Entries, FrozenDictionary<VipKey, ServicePortEntry> ByVip)
{
    /// <summary>Nothing served.</summary>
    public static ServiceTable Empty { get; } = new(-1, FrozenDictionary<PortKey, ServicePortEntry>.Empty, FrozenDictionary<VipKey, ServicePortEntry>.Empty);
}
