namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>How a name relates to the data the server is authoritative for.</summary>
internal enum ZoneMatch
{
    /// <summary>The name exists (it may still have no record of the asked type: NODATA).</summary>
    Found,
    /// <summary>Under the cluster domain but not present: NXDOMAIN.</summary>
    NameError,
    /// <summary>Outside the cluster domain (and not a reverse name we hold): forward it.</summary>
    NotAuthoritative,
}
