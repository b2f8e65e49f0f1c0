namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>A service's health check node port on this node (see "NodePort and externalIPs" in the README).</summary>
/// <param name="Port">The node port it listens on.</param>
/// <param name="LocalEndpoints">Ready endpoints of the service on this node now (200 when above 0, else 503).</param>
/// <param name="Answered">Requests answered since it opened.</param>
public sealed record HealthCheckStatus(int Port, int LocalEndpoints, long Answered);
