namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Identity of a service port.</summary>
/// <param name="Service">The service.</param>
/// <param name="Port">The service (ClusterIP) port.</param>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="External">
/// The entry for traffic entering through the port's node port or the service's external IPs; it has
/// its own balancer because <c>externalTrafficPolicy: Local</c> limits it to this node's endpoints.
/// </param>
public readonly record struct PortKey(ServiceKey Service, int Port, TransportProtocol Protocol, bool External = false)
{
    /// <summary>Name for metrics and logs: <c>ns/name:port/proto</c>, with <c> external</c> appended for the external entry.</summary>
    public string Name => $"{Service}:{Port}/{(Protocol == TransportProtocol.Udp ? "udp" : "tcp")}{(External ? " external" : "")}";
}
