using System.Collections.Frozen;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>An immutable view of what the proxy serves, rebuilt on each catalog change.</summary>
/// <param name="Version">Catalog version it was built from.</param>
/// <param name="Entries">Service ports by key.</param>
/// <param name="ByVip">
/// Service ports by ClusterIP or external IP, port and protocol (for intercepted connections);
/// external IPs map to the port's external entry.
/// </param>
/// <param name="ByNodePort">External entries by node port and protocol.</param>
public sealed record ServiceTable(
    long Version,
    FrozenDictionary<PortKey, ServicePortEntry> Entries,
    FrozenDictionary<VipKey, ServicePortEntry> ByVip,
    FrozenDictionary<(int NodePort, TransportProtocol Protocol), ServicePortEntry> ByNodePort)
{
    /// <summary>Nothing served.</summary>
    public static ServiceTable Empty { get; } = new(-1, FrozenDictionary<PortKey, ServicePortEntry>.Empty,
        FrozenDictionary<VipKey, ServicePortEntry>.Empty, FrozenDictionary<(int, TransportProtocol), ServicePortEntry>.Empty);

    /// <summary>
    /// The service port an intercepted connection was meant for, from its original destination: a
    /// ClusterIP or external IP first; otherwise a node port (the node-port rules only match this
    /// node's own addresses, so any other destination reaching us on that port is one).
    /// </summary>
    public ServicePortEntry? Resolve(IPEndPoint original, TransportProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(original);
        return ByVip.GetValueOrDefault(new VipKey(original.Address, original.Port, protocol)) ?? ByNodePort.GetValueOrDefault((original.Port, protocol));
    }
}
