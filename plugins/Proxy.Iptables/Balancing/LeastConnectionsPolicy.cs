namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>Fewest open connections; ties rotate so an idle service still spreads.</summary>
public sealed class LeastConnectionsPolicy : ILoadBalancingPolicy
{
    private uint _offset;

    /// <inheritdoc />
    public int Pick(IReadOnlyList<Backend> candidates, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var start = (int)(Interlocked.Increment(ref _offset) % (uint)candidates.Count);
        var best = start;
        var bestActive = int.MaxValue;
        for (var i = 0; i < candidates.Count; i++)
        {
            var idx = (start + i) % candidates.Count;
            var active = candidates[idx].Health.Active;
            if (active < bestActive)
            {
                best = idx;
                bestActive = active;
            }
        }
        return best;
    }
}
