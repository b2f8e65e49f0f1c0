namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>Sizes fixed by the DNS specifications and by this server.</summary>
internal static class DnsLimits
{
    public const int HeaderLength = 12;
    public const int MaxNameLength = 255;
    public const int MaxLabelLength = 63;

    /// <summary>Classic UDP limit without EDNS (RFC 1035 §4.2.1).</summary>
    public const int ClassicUdpSize = 512;

    /// <summary>
    /// Payload size we advertise and the largest UDP answer we send: 1232 avoids IP fragmentation on
    /// any path with an MTU of 1280 (DNS flag day 2020), which matters on 4G-connected edge nodes.
    /// </summary>
    public const int AdvertisedUdpSize = 1232;

    /// <summary>Largest DNS message over TCP (2-byte length prefix).</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>Size of an OPT record with no options: root name, type, class, TTL, RDLENGTH.</summary>
    public const int OptRecordLength = 11;
}
