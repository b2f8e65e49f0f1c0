namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>Picks one endpoint among candidates. Thread-safe.</summary>
public interface ILoadBalancingPolicy
{
    /// <summary>Returns an index into <paramref name="candidates"/> (never empty).</summary>
    int Pick(IReadOnlyList<Backend> candidates, IPAddress client);
}
