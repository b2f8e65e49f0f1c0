namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>
/// Maps policy names from config and from the catalog (our own names and Istio
/// <c>DestinationRule trafficPolicy.loadBalancer</c> values) onto <see cref="LoadBalancerKind"/>.
/// </summary>
public static class LoadBalancerNames
{
    /// <summary>Names accepted, for messages.</summary>
    public const string Accepted = "roundRobin, random, leastConnections (LEAST_CONN, LEAST_REQUEST), consistentHash (RING_HASH, MAGLEV), script";

    /// <summary>Parses a name; case, '_' and '-' are ignored.</summary>
    public static bool TryParse(string? name, out LoadBalancerKind kind)
    {
        kind = LoadBalancerKind.RoundRobin;
        if (string.IsNullOrWhiteSpace(name)) return false;
        var n = name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
        switch (n)
        {
            case "ROUNDROBIN": kind = LoadBalancerKind.RoundRobin; return true;
            case "RANDOM": kind = LoadBalancerKind.Random; return true;
            case "LEASTCONNECTIONS" or "LEASTCONN" or "LEASTREQUEST": kind = LoadBalancerKind.LeastConnections; return true;
            // Istio's consistentHash carries a hash key; we always hash the source IP (L4 proxy).
            case "CONSISTENTHASH" or "RINGHASH" or "MAGLEV" or "SOURCEIP": kind = LoadBalancerKind.ConsistentHash; return true;
            case "SCRIPT": kind = LoadBalancerKind.Script; return true;
            default: return false;
        }
    }
}
