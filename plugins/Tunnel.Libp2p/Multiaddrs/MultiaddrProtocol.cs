namespace PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;

/// <summary>A multiaddr protocol from the multicodec table. <see cref="SizeBits"/> -1 means length-prefixed.</summary>
public sealed record MultiaddrProtocol(int Code, string Name, int SizeBits)
{
    public static readonly MultiaddrProtocol Ip4 = new(0x04, "ip4", 32);
    public static readonly MultiaddrProtocol Tcp = new(0x06, "tcp", 16);
    public static readonly MultiaddrProtocol Udp = new(0x0111, "udp", 16);
    public static readonly MultiaddrProtocol Dns = new(0x35, "dns", -1);
    public static readonly MultiaddrProtocol Dns4 = new(0x36, "dns4", -1);
    public static readonly MultiaddrProtocol Dns6 = new(0x37, "dns6", -1);
    public static readonly MultiaddrProtocol DnsAddr = new(0x38, "dnsaddr", -1);
    public static readonly MultiaddrProtocol Ip6 = new(0x29, "ip6", 128);
    public static readonly MultiaddrProtocol P2p = new(0x01a5, "p2p", -1);
    public static readonly MultiaddrProtocol P2pCircuit = new(0x0122, "p2p-circuit", 0);

    private static readonly MultiaddrProtocol[] All = [Ip4, Tcp, Udp, Dns, Dns4, Dns6, DnsAddr, Ip6, P2p, P2pCircuit];

    public static MultiaddrProtocol? ByCode(ulong code) => Array.Find(All, p => (ulong)p.Code == code);

    /// <summary>By text name; <c>ipfs</c> is the legacy name of <c>p2p</c>.</summary>
    public static MultiaddrProtocol? ByName(string name) =>
        name == "ipfs" ? P2p : Array.Find(All, p => p.Name == name);
}
