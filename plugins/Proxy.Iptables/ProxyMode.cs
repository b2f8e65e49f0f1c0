namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>How service traffic reaches the proxy.</summary>
public enum ProxyMode
{
    /// <summary><see cref="Iptables"/> when running as root, otherwise <see cref="Listen"/>.</summary>
    Auto,
    /// <summary>nat-table rules redirect ClusterIP traffic to the agent's listeners.</summary>
    Iptables,
    /// <summary>No rules: one local port per service port; clients connect to it themselves.</summary>
    Listen,
}
