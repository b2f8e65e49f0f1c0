using PluginMesh.Abstractions.Directory;

namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>
/// Endpoint choice for one service port: endpoints on nodes the directory retired (the tolerance
/// window, when an <see cref="INodeLiveness"/> is present) are left out, then the passive-health
/// filter, then session affinity, then the policy. Endpoints are swapped atomically on catalog changes; policy state (round-robin
/// position, hash ring, affinity) survives them.
/// </summary>
public sealed class ServiceBalancer
{
    private readonly TimeProvider _time;
    private readonly INodeLiveness? _liveness;
    private volatile IReadOnlyList<Backend> _backends = [];

    /// <summary>Creates a balancer.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="affinity">Affinity table, or null when the service has none.</param>
    /// <param name="time">Clock for ejection and affinity.</param>
    /// <param name="liveness">Which nodes are retired, or null (nothing is).</param>
    public ServiceBalancer(ILoadBalancingPolicy policy, SessionAffinityTable? affinity, TimeProvider time, INodeLiveness? liveness = null)
    {
        _liveness = liveness;
        Policy = policy;
        Affinity = affinity;
        _time = time;
    }

    /// <summary>The policy in use.</summary>
    public ILoadBalancingPolicy Policy { get; }

    /// <summary>The affinity table, or null.</summary>
    public SessionAffinityTable? Affinity { get; }

    /// <summary>Current ready endpoints.</summary>
    public IReadOnlyList<Backend> Backends => _backends;

    /// <summary>Replaces the endpoints.</summary>
    public void Update(IReadOnlyList<Backend> backends) => _backends = backends;

    /// <summary>
    /// Picks an endpoint for <paramref name="client"/>, skipping <paramref name="exclude"/> (already
    /// tried for this connection). Null when nothing is left.
    /// </summary>
    public Backend? Choose(IPAddress client, IReadOnlyCollection<IPEndPoint>? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var all = _backends;
        var candidates = Candidates(all, exclude);
        if (candidates.Count == 0) return null;

        // IPAddress.None is "client unknown": remembering an endpoint for it would pin every such client to one.
        var affinity = client.Equals(IPAddress.None) ? null : Affinity;
        if (affinity?.Get(client) is { } sticky)
        {
            foreach (var b in candidates)
            {
                if (b.EndPoint.Equals(sticky))
                {
                    affinity.Set(client, b.EndPoint);
                    return b;
                }
            }
        }

        var chosen = candidates[Policy.Pick(candidates, client)];
        affinity?.Set(client, chosen.EndPoint);
        return chosen;
    }

    private IReadOnlyList<Backend> Candidates(IReadOnlyList<Backend> all, IReadOnlyCollection<IPEndPoint>? exclude)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var needFilter = exclude is { Count: > 0 };
        if (!needFilter)
        {
            foreach (var b in all)
            {
                if (b.Health.IsEjected(now) || Retired(b))
                {
                    needFilter = true;
                    break;
                }
            }
        }
        // Common case: nothing ejected, nothing excluded → the same list instance, so policies
        // may cache per list (the hash ring does).
        if (!needFilter) return all;

        var notExcluded = new List<Backend>(all.Count);
        foreach (var b in all)
        {
            // A retired node's record does not resolve: a dial there can only fail, so it is never a fallback.
            if ((exclude is null || !exclude.Contains(b.EndPoint)) && !Retired(b)) notExcluded.Add(b);
        }
        var healthy = notExcluded.Where(b => !b.Health.IsEjected(now)).ToList();
        // Never eject everything: with every endpoint ejected, a try beats a certain failure.
        return healthy.Count > 0 ? healthy : notExcluded;
    }

    private bool Retired(Backend b) => !b.Local && b.NodeName is not null && _liveness is not null && _liveness.IsRetired(b.NodeName);
}
