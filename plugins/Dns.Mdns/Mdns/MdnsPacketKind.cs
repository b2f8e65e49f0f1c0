namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>What an incoming packet turned out to be.</summary>
internal enum MdnsPacketKind
{
    /// <summary>A query whose first question is our service: answer it.</summary>
    Query,
    /// <summary>A response announcing (or saying goodbye for) one peer.</summary>
    Announcement,
    /// <summary>Other mDNS traffic (printers, other services): not ours, not hostile.</summary>
    Ignored,
    /// <summary>Broken or hostile: see the reason.</summary>
    Dropped,
}
