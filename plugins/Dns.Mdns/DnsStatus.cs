namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>The <c>dns</c> section of <c>/status</c>.</summary>
/// <param name="Listen">Endpoints served (UDP and TCP).</param>
/// <param name="ClusterDomain">Authoritative domain.</param>
/// <param name="Upstreams">Where other names go.</param>
/// <param name="CatalogVersion">Catalog snapshot the answers come from.</param>
/// <param name="Names">Names in the index.</param>
/// <param name="Queries">Queries since start by result (answer, nodata, nxdomain, forwarded, servfail, formerr, refused, dropped, limited).</param>
/// <param name="CacheEntries">Forwarded responses cached now.</param>
/// <param name="CacheHits">Forwarded queries answered from the cache since start.</param>
public sealed record DnsStatus(
    IReadOnlyList<string> Listen,
    string ClusterDomain,
    IReadOnlyList<string> Upstreams,
    long CatalogVersion,
    int Names,
    IReadOnlyDictionary<string, long> Queries,
    int CacheEntries,
    long CacheHits)
{
    /// <summary>Queries waiting on an upstream exchange now (at most <c>maxConcurrentForwards</c>).</summary>
    public int ForwardsActive { get; init; }

    /// <summary>Whether the DNS server runs (false with <c>dns.enabled: false</c>: mDNS only).</summary>
    public bool Serving { get; init; } = true;

    /// <summary>Why the default listen address (169.254.96.16:53 as root) is not served and <see cref="Listen"/> is the fallback, or null.</summary>
    public string? ListenProblem { get; init; }

    /// <summary>The multicast half: discovery state, peers, packet counts.</summary>
    public MdnsStatus? Mdns { get; init; }
}
