namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Identity of a service port.</summary>
public readonly record struct PortKey(ServiceKey Service, int Port, TransportProtocol Protocol);
