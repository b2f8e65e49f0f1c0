using System.Net;

namespace PluginMesh.Abstractions.Dns;

/// <summary>Result code of a name lookup.</summary>
public enum DnsOutcome
{
    /// <summary>Answers found.</summary>
    Answer,
    /// <summary>The name exists but has no records of the type (NODATA).</summary>
    NoData,
    /// <summary>The name does not exist (NXDOMAIN).</summary>
    NameError,
    /// <summary>The name is outside the cluster domain.</summary>
    NotAuthoritative,
}

/// <summary>Answer to an in-process lookup.</summary>
public sealed record DnsLookup(DnsOutcome Outcome, IReadOnlyList<IPAddress> Addresses);

/// <summary>Node-local DNS for service names.</summary>
/// <remarks>Thread-safe; lookups answer from the current catalog snapshot without I/O.</remarks>
public interface IDnsResponder
{
    /// <summary>The cluster domain, e.g. <c>cluster.local</c>.</summary>
    string ClusterDomain { get; }

    /// <summary>Endpoints the server listens on.</summary>
    IReadOnlyList<EndPoint> ListenEndpoints { get; }

    /// <summary>Looks up A/AAAA for a cluster name.</summary>
    DnsLookup Lookup(string name, bool ipv6);
}
