namespace PluginMesh.Plugins.Proxy.Iptables.Netns;

/// <summary>Sockets in the agent's own network namespace.</summary>
public sealed class HostSocketFactory : ISocketFactory
{
    /// <summary>The shared instance.</summary>
    public static HostSocketFactory Instance { get; } = new();

    /// <inheritdoc />
    public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol) => new(family, type, protocol);
}
