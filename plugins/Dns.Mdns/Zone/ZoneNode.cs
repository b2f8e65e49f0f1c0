namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>One name in the index with its precomputed record sets. Immutable once built.</summary>
internal sealed class ZoneNode
{
    private readonly ZoneRecordSet[] _sets;

    public ZoneNode(ZoneRecordSet[] sets, ZoneRecordSet? any, IReadOnlyList<IPAddress> addresses, bool inClusterDomain)
    {
        _sets = sets;
        Any = any;
        Addresses = addresses;
        InClusterDomain = inClusterDomain;
    }

    /// <summary>All records of the name, for QTYPE ANY; null for an empty non-terminal.</summary>
    public ZoneRecordSet? Any { get; }

    /// <summary>A and AAAA addresses, for the in-process <c>IDnsResponder.Lookup</c>.</summary>
    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>False for reverse (PTR) names: their negative answers carry no SOA since we do not own the reverse zones.</summary>
    public bool InClusterDomain { get; }

    /// <summary>The set of <paramref name="type"/>; a linear scan because a name holds at most a few types.</summary>
    public ZoneRecordSet? Get(ushort type)
    {
        if (type == Wire.DnsType.Any) return Any;
        foreach (var set in _sets)
            if (set.Type == type) return set;
        return null;
    }
}
