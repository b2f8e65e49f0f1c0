namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Metric/status spelling of <see cref="ProxyPath"/>.</summary>
public static class ProxyPathExtensions
{
    /// <summary><c>local</c>, <c>direct</c> or <c>tunnel</c>.</summary>
    public static string ToWire(this ProxyPath path) => path switch
    {
        ProxyPath.Local => "local",
        ProxyPath.Direct => "direct",
        _ => "tunnel",
    };
}
