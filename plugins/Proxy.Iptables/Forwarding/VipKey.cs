namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Identity of an intercepted virtual address.</summary>
public readonly record struct VipKey(IPAddress Address, int Port, TransportProtocol Protocol);
