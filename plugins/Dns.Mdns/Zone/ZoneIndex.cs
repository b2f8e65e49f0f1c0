namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>
/// Everything the server answers authoritatively, precomputed from one catalog snapshot. Immutable:
/// a catalog change builds a new index and swaps the reference, so readers never lock.
/// </summary>
internal sealed class ZoneIndex
{
    private readonly Dictionary<byte[], ZoneNode> _nodes;
    private readonly Dictionary<byte[], ZoneNode>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ZoneIndex(string domain, byte[] domainWire, long catalogVersion, Dictionary<byte[], ZoneNode> nodes, byte[] soaRecord)
    {
        Domain = domain;
        DomainWire = domainWire;
        CatalogVersion = catalogVersion;
        _nodes = nodes;
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        SoaRecord = soaRecord;
    }

    /// <summary>The cluster domain as text, e.g. <c>cluster.local</c>.</summary>
    public string Domain { get; }

    /// <summary>The cluster domain as a lowercase wire name.</summary>
    public byte[] DomainWire { get; }

    /// <summary>Version of the catalog snapshot this index was built from.</summary>
    public long CatalogVersion { get; }

    /// <summary>Number of names (including empty non-terminals).</summary>
    public int NameCount => _nodes.Count;

    /// <summary>The zone's SOA record, complete (uncompressed owner), for the authority section of negative answers.</summary>
    public byte[] SoaRecord { get; }

    /// <summary>Finds a lowercase wire name.</summary>
    public ZoneMatch Find(ReadOnlySpan<byte> lowerName, out ZoneNode? node)
    {
        if (_lookup.TryGetValue(lowerName, out node)) return ZoneMatch.Found;
        return DnsNames.IsAtOrBelow(lowerName, DomainWire) ? ZoneMatch.NameError : ZoneMatch.NotAuthoritative;
    }
}
