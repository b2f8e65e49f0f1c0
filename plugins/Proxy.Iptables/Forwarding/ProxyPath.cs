namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>How a connection reaches its endpoint.</summary>
public enum ProxyPath
{
    /// <summary>The endpoint runs on this node.</summary>
    Local,
    /// <summary>The endpoint's pod network is routable from here.</summary>
    Direct,
    /// <summary>Through a <c>/pluginmesh/tunnel/1.0.0</c> stream to the endpoint's node agent.</summary>
    Tunnel,
}
