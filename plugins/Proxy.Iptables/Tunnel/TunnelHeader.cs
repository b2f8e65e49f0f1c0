namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>What the initiating agent asks the serving agent to dial.</summary>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="Target">Endpoint IP and port.</param>
public sealed record TunnelHeader(TransportProtocol Protocol, IPEndPoint Target);
