namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>Each candidate in turn.</summary>
public sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _next;

    /// <inheritdoc />
    public int Pick(IReadOnlyList<Backend> candidates, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return (int)((Interlocked.Increment(ref _next) - 1) % (uint)candidates.Count);
    }
}
