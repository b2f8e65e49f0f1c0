namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Decides how to reach an endpoint. EdgeMesh tunnelled everything, which broke cloud nodes whose
/// pod networks are routable; here only endpoints that cannot be dialed go through the tunnel.
/// </summary>
public sealed class RoutePlanner(ProxyOptions options, bool tunnelAvailable)
{
    /// <summary>The path for <paramref name="backend"/>.</summary>
    public ProxyPath Plan(Backend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.Local) return ProxyPath.Local;
        // Unknown node or no tunnel plugin: a direct dial is the only thing that could work.
        if (backend.NodeName is null || !tunnelAvailable) return ProxyPath.Direct;
        if (options.DirectNodes.Contains(backend.NodeName, StringComparer.Ordinal)) return ProxyPath.Direct;
        foreach (var net in options.RoutableCidrs)
        {
            if (net.Contains(backend.EndPoint.Address)) return ProxyPath.Direct;
        }
        return ProxyPath.Tunnel;
    }
}
