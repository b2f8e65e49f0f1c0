namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>One service.</summary>
/// <param name="Service"><c>ns/name</c>.</param>
/// <param name="ClusterIps">Virtual IPs.</param>
/// <param name="Ports">Per port; a port with a node port or external IPs is listed twice, the second time as its external entry.</param>
/// <param name="ExternalIps">External IPs served (by rule in iptables mode, by listener in listen mode), or null.</param>
/// <param name="HealthCheck">Its health check node port (<c>externalTrafficPolicy: Local</c>), or null.</param>
public sealed record ServiceStatus(string Service, IReadOnlyList<string> ClusterIps, IReadOnlyList<PortStatus> Ports, IReadOnlyList<string>? ExternalIps = null,
    HealthCheckStatus? HealthCheck = null);
