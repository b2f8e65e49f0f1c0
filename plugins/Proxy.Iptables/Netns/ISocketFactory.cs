namespace PluginMesh.Plugins.Proxy.Iptables.Netns;

/// <summary>Creates the proxy's sockets; a socket belongs to the network namespace it was created in.</summary>
public interface ISocketFactory
{
    /// <summary>Creates a socket.</summary>
    Socket Create(AddressFamily family, SocketType type, ProtocolType protocol);
}
