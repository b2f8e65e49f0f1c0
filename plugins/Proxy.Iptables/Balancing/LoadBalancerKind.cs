namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>Built-in load-balancing policies.</summary>
public enum LoadBalancerKind
{
    /// <summary>Each endpoint in turn.</summary>
    RoundRobin,
    /// <summary>Uniformly random.</summary>
    Random,
    /// <summary>Fewest open connections from this agent.</summary>
    LeastConnections,
    /// <summary>Hash ring on the client IP: the same client keeps its endpoint.</summary>
    ConsistentHash,
    /// <summary>Asks <c>IEndpointPolicy.PickEndpoint</c> (policies/endpoint.js).</summary>
    Script,
}
