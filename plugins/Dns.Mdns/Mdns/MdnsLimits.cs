namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Protocol constants (RFC 6762, libp2p discovery/mdns.md) and our caps on hostile input.</summary>
internal static class MdnsLimits
{
    public const int Port = 5353;

    /// <summary>RFC 6762 §17: an mDNS message may be up to 9000 bytes (jumbo frames).</summary>
    public const int MaxPacket = 9000;

    /// <summary>A TXT character-string holds at most 255 bytes; js drops longer addresses too.</summary>
    public const int MaxTxtString = 255;

    /// <summary>Addresses kept per peer; a real agent has a handful, more is a flood.</summary>
    public const int MaxAddresses = 16;

    /// <summary>Total <c>dnsaddr=</c> bytes accepted per peer (16 full strings would be ~4 KiB).</summary>
    public const int MaxAddressBytes = 4096;

    /// <summary>Records read from one packet; more is not an honest peer.</summary>
    public const int MaxRecords = 64;

    /// <summary>Live peers kept; spoofed ids from many sources cannot grow memory past it.</summary>
    public const int MaxPeers = 1024;

    public const string TxtPrefix = "dnsaddr=";

    /// <summary>The libp2p spec's flag field for responses: QR and AA.</summary>
    public const ushort ResponseFlags = 0x8400;
}
