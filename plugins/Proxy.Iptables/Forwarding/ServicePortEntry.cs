namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>One service port the proxy serves; the object lives as long as the port is in the catalog.</summary>
public sealed class ServicePortEntry(ServiceKey key, ServicePort port, ServiceBalancer balancer, ServiceCounters counters, LoadBalancerKind kind, bool external = false)
{
    /// <summary>Service key.</summary>
    public ServiceKey Key { get; } = key;

    /// <summary>The port.</summary>
    public ServicePort Port { get; } = port;

    /// <summary>Its key in <see cref="ServiceTable.Entries"/>.</summary>
    public PortKey Id { get; } = new(key, port.Port, port.Protocol, external);

    /// <summary>True for the node-port / external-IP entry (see <see cref="PortKey.External"/>).</summary>
    public bool External => Id.External;

    /// <summary>Name for metrics and logs (<see cref="PortKey.Name"/>).</summary>
    public string Name => Id.Name;

    /// <summary>Endpoint choice.</summary>
    public ServiceBalancer Balancer { get; } = balancer;

    /// <summary>Counters.</summary>
    public ServiceCounters Counters { get; } = counters;

    /// <summary>The policy kind the balancer was built for.</summary>
    public LoadBalancerKind Kind { get; } = kind;

    /// <summary>The latest service definition (ClusterIPs may change without replacing the entry).</summary>
    public MeshService? Service { get; set; }

    /// <summary>Whether the Service has an IPv6 ClusterIP or external IP (a dual-stack or IPv6 Service): it is then served over IPv6 too.</summary>
    public bool HasIpv6Address => Service is { } service
        && service.ClusterIps.Concat(service.ExternalIps ?? []).Any(ip => ip.AddressFamily == AddressFamily.InterNetworkV6);
}
