namespace PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;

/// <summary>What to forward: a TCP byte stream, or UDP datagrams framed one by one.</summary>
public enum ForwardTransport
{
    Tcp = 0,
    Udp = 1,
}
