using System.Net;
using PluginMesh.P2p;

namespace PluginMesh.Abstractions.Catalog;

/// <summary>Layer-4 protocol of a service port or tunnel target.</summary>
public enum TransportProtocol
{
    /// <summary>TCP.</summary>
    Tcp,
    /// <summary>UDP.</summary>
    Udp,
}

/// <summary>Namespace-qualified service name.</summary>
public sealed record ServiceKey(string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>One port of a service.</summary>
/// <param name="Name">Port name (empty when unnamed); named ports get SRV records.</param>
/// <param name="Port">The service (ClusterIP) port.</param>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="TargetPort">Numeric target port on endpoints (0 when <paramref name="TargetPortName"/> is used).</param>
/// <param name="TargetPortName">Named target port resolved per endpoint, or null.</param>
/// <param name="NodePort">NodePort, when allocated.</param>
public sealed record ServicePort(string Name, int Port, TransportProtocol Protocol, int TargetPort, string? TargetPortName = null, int? NodePort = null);

/// <summary>Client-IP session affinity as in a Kubernetes Service.</summary>
public enum SessionAffinity
{
    /// <summary>No affinity.</summary>
    None,
    /// <summary>Same client IP → same endpoint for <see cref="MeshService.AffinityTimeoutSeconds"/>.</summary>
    ClientIP,
}

/// <summary>Which endpoints serve traffic that enters through a node port or an external IP.</summary>
public enum ExternalTrafficPolicy
{
    /// <summary>Every ready endpoint, on any node (Kubernetes default).</summary>
    Cluster,
    /// <summary>Only endpoints on the receiving node; with none there, the traffic is refused, not forwarded.</summary>
    Local,
}

/// <summary>A service as the mesh understands it.</summary>
/// <param name="Key">Namespace and name.</param>
/// <param name="ClusterIps">Virtual IPs (empty for headless).</param>
/// <param name="Ports">Ports.</param>
/// <param name="Headless">True when DNS answers with endpoint IPs.</param>
/// <param name="Affinity">Session affinity.</param>
/// <param name="AffinityTimeoutSeconds">Affinity timeout (Kubernetes default 10800).</param>
/// <param name="LoadBalancer">Load-balancing policy name, or null for the node default.</param>
/// <param name="Labels">Labels (used by filters and policies).</param>
/// <param name="ExternalIps">Addresses (not managed by the cluster) on which the service's ports are also served.</param>
/// <param name="ExternalTraffic">Endpoints for node-port and external-IP traffic.</param>
/// <param name="HealthCheckNodePort">For <see cref="ExternalTrafficPolicy.Local"/>: the node port on which a load balancer asks each node whether it has endpoints of the service (Kubernetes <c>spec.healthCheckNodePort</c>), or null.</param>
public sealed record MeshService(
    ServiceKey Key,
    IReadOnlyList<IPAddress> ClusterIps,
    IReadOnlyList<ServicePort> Ports,
    bool Headless = false,
    SessionAffinity Affinity = SessionAffinity.None,
    int AffinityTimeoutSeconds = 10800,
    string? LoadBalancer = null,
    IReadOnlyDictionary<string, string>? Labels = null,
    IReadOnlyList<IPAddress>? ExternalIps = null,
    ExternalTrafficPolicy ExternalTraffic = ExternalTrafficPolicy.Cluster,
    int? HealthCheckNodePort = null);

/// <summary>A named port on an endpoint.</summary>
public sealed record EndpointPort(string Name, int Port, TransportProtocol Protocol);

/// <summary>One backend address of a service.</summary>
/// <param name="Address">Pod (or host) IP.</param>
/// <param name="NodeName">Node hosting it, or null when unknown.</param>
/// <param name="Ready">Ready endpoints receive traffic; others are listed but skipped.</param>
/// <param name="Ports">Ports on this endpoint.</param>
/// <param name="Hostname">Hostname for headless DNS, or null.</param>
public sealed record MeshEndpoint(IPAddress Address, string? NodeName, bool Ready, IReadOnlyList<EndpointPort> Ports, string? Hostname = null);

/// <summary>All endpoints of one service.</summary>
public sealed record ServiceEndpoints(ServiceKey Service, IReadOnlyList<MeshEndpoint> Endpoints);

/// <summary>A cluster node as far as routing cares.</summary>
/// <param name="Name">Node name.</param>
/// <param name="PodCidrs">Pod CIDRs (used to decide whether endpoints are directly routable).</param>
/// <param name="Addresses">Node addresses.</param>
/// <param name="Labels">Node labels.</param>
/// <param name="Agent">
/// What the node's PluginMesh agent published about itself on the Node object (annotations
/// <c>pluginmesh.io/*</c>), or null when it published nothing readable. A binding from the API: it
/// outranks anything learned by gossip or mDNS for this node name.
/// </param>
public sealed record MeshNode(string Name, IReadOnlyList<string> PodCidrs, IReadOnlyList<IPAddress> Addresses, IReadOnlyDictionary<string, string>? Labels = null, NodeAgent? Agent = null);

/// <summary>A node's agent as published through the cluster (like flannel's public-ip and WireGuard key annotations).</summary>
/// <param name="PeerId">The agent's PeerId (annotation <c>pluginmesh.io/peer-id</c>).</param>
/// <param name="Addresses">Its dialable multiaddrs: listen, observed/public and relay circuits (<c>pluginmesh.io/addrs</c>, bounded).</param>
/// <param name="OffersRelay">Whether it offers the relay hop service (<c>pluginmesh.io/relay</c>).</param>
public sealed record NodeAgent(PeerId PeerId, IReadOnlyList<Multiaddr> Addresses, bool OffersRelay);
