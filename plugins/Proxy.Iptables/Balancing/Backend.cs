namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>One ready endpoint of a service port, with the target port resolved.</summary>
/// <param name="EndPoint">Endpoint IP and target port.</param>
/// <param name="NodeName">Hosting node, or null when unknown.</param>
/// <param name="Local">True when hosted on this node.</param>
/// <param name="Health">Shared per-endpoint counters (survive catalog changes).</param>
public sealed record Backend(IPEndPoint EndPoint, string? NodeName, bool Local, BackendHealth Health);
