namespace PluginMesh.Host.Policies.Defaults;

/// <summary>
/// Built-in <c>pickEndpoint</c>: answers whenever policies/endpoint.js is absent or fails.
/// </summary>
/// <remarks>
/// Picks the candidate with the fewest recent failures, then a local one (no tunnel hop), then the
/// fewest active connections, then the lowest index; deterministic, so equal inputs give equal picks.
/// policies/endpoint.js implements exactly the same.
/// </remarks>
public sealed class DefaultEndpointPolicy : IEndpointPolicy
{
    /// <inheritdoc />
    public EndpointPick PickEndpoint(EndpointPickInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var candidates = input.Candidates;
        if (candidates.Count == 0)
        {
            // The contract says never empty: an empty list is a caller bug, not a policy question.
            throw new ArgumentException("pickEndpoint: candidates must not be empty", nameof(input));
        }

        var best = 0;
        for (var i = 1; i < candidates.Count; i++)
        {
            if (IsBetter(candidates[i], candidates[best]))
            {
                best = i;
            }
        }

        return new EndpointPick(best);
    }

    // Strictly better only, so the earlier index wins every tie.
    private static bool IsBetter(EndpointCandidate a, EndpointCandidate b)
    {
        if (a.RecentFailures != b.RecentFailures)
        {
            return a.RecentFailures < b.RecentFailures;
        }

        if (a.Local != b.Local)
        {
            return a.Local;
        }

        return a.ActiveConnections < b.ActiveConnections;
    }
}
