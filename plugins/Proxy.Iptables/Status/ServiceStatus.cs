namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>One service.</summary>
/// <param name="Service"><c>ns/name</c>.</param>
/// <param name="ClusterIps">Virtual IPs.</param>
/// <param name="Ports">Per port.</param>
public sealed record ServiceStatus(string Service, IReadOnlyList<string> ClusterIps, IReadOnlyList<PortStatus> Ports);
