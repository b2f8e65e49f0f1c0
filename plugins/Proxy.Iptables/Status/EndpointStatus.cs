namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>One endpoint of a service port.</summary>
/// <param name="Address">IP:port.</param>
/// <param name="Node">Hosting node.</param>
/// <param name="Path"><c>local</c>, <c>direct</c> or <c>tunnel</c>.</param>
/// <param name="Ejected">True while passive health keeps it out.</param>
/// <param name="Active">Open connections to it.</param>
/// <param name="DialFailures">Failed dials to it since start.</param>
public sealed record EndpointStatus(string Address, string? Node, string Path, bool Ejected, int Active, long DialFailures);
