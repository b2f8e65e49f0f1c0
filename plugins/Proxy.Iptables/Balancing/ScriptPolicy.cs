namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>Asks the scripted <see cref="IEndpointPolicy"/>; an out-of-range answer falls back to round robin.</summary>
public sealed class ScriptPolicy(IEndpointPolicy policy, string service, int port) : ILoadBalancingPolicy
{
    private readonly RoundRobinPolicy _fallback = new();

    /// <inheritdoc />
    public int Pick(IReadOnlyList<Backend> candidates, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(client);
        var list = new EndpointCandidate[candidates.Count];
        for (var i = 0; i < list.Length; i++)
        {
            var b = candidates[i];
            list[i] = new EndpointCandidate(b.EndPoint.ToString(), b.NodeName, b.Local, b.Health.Active, b.Health.ConsecutiveFailures);
        }
        var pick = policy.PickEndpoint(new EndpointPickInput(service, port, client.ToString(), list));
        return pick.Index >= 0 && pick.Index < candidates.Count ? pick.Index : _fallback.Pick(candidates, client);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"script {service}:{port}");
}
