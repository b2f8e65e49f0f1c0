namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Why an incoming packet was dropped; the values are the <c>reason</c> tag of <c>pluginmesh.mdns.dropped</c>.</summary>
internal enum MdnsDropReason
{
    /// <summary>Lengths, names or counts do not parse (truncated, compression loop, bad label type).</summary>
    Malformed,
    /// <summary>A PTR for our service whose target is not one label under it.</summary>
    WrongName,
    /// <summary>More addresses or TXT bytes than one peer may announce.</summary>
    TooLarge,
    /// <summary>No usable <c>dnsaddr=</c> address (not a multiaddr, or no <c>/p2p/</c> id).</summary>
    BadAddress,
    /// <summary>Addresses name different PeerIds.</summary>
    PeerIdMismatch,
    /// <summary>The source sent more than its token bucket allows.</summary>
    RateLimited,
    /// <summary>The peer table is full of live peers.</summary>
    TableFull,
}
