namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>Uniformly random; the generator is injectable so tests can seed it.</summary>
public sealed class RandomPolicy(Random random) : ILoadBalancingPolicy
{
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public int Pick(IReadOnlyList<Backend> candidates, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        // A seeded Random is not thread-safe; Random.Shared would be, but is not seedable.
        lock (_lock) return random.Next(candidates.Count);
    }
}
