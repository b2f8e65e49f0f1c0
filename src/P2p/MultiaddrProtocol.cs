namespace PluginMesh.P2p;

/// <summary>How a protocol's value is written.</summary>
public enum MultiaddrValueKind
{
    /// <summary>No value (<c>/p2p-circuit</c>, <c>/ws</c>).</summary>
    None,
    /// <summary>4 bytes, dotted text.</summary>
    Ip4,
    /// <summary>16 bytes, RFC 5952 text.</summary>
    Ip6,
    /// <summary>2 bytes big-endian, decimal text.</summary>
    Port,
    /// <summary>Length-prefixed UTF-8 DNS name (no <c>/</c>, no white space, at most 253 bytes).</summary>
    DnsName,
    /// <summary>Length-prefixed UTF-8 text without <c>/</c> (an IPv6 zone).</summary>
    Text,
    /// <summary>Length-prefixed PeerId multihash; base58btc text.</summary>
    PeerId,
    /// <summary>Length-prefixed multihash; multibase text (base64url when written).</summary>
    Multibase,
}

/// <summary>
/// One multiaddr protocol of the multicodec table: code, name and value kind. The table holds what
/// PluginMesh dials or meets in peers' announcements (IP, TCP/UDP, DNS, p2p, circuits, and the QUIC,
/// WebSocket, WebTransport and WebRTC names js and go peers announce); anything else is unknown.
/// </summary>
/// <remarks>Immutable, thread-safe; compared by reference (one instance per protocol).</remarks>
public sealed class MultiaddrProtocol
{
    /// <summary><c>/ip4</c>.</summary>
    public static readonly MultiaddrProtocol Ip4 = new(0x04, "ip4", MultiaddrValueKind.Ip4);
    /// <summary><c>/tcp</c>.</summary>
    public static readonly MultiaddrProtocol Tcp = new(0x06, "tcp", MultiaddrValueKind.Port);
    /// <summary><c>/dccp</c>.</summary>
    public static readonly MultiaddrProtocol Dccp = new(0x21, "dccp", MultiaddrValueKind.Port);
    /// <summary><c>/ip6</c>.</summary>
    public static readonly MultiaddrProtocol Ip6 = new(0x29, "ip6", MultiaddrValueKind.Ip6);
    /// <summary><c>/ip6zone</c>.</summary>
    public static readonly MultiaddrProtocol Ip6Zone = new(0x2a, "ip6zone", MultiaddrValueKind.Text);
    /// <summary><c>/dns</c>.</summary>
    public static readonly MultiaddrProtocol Dns = new(0x35, "dns", MultiaddrValueKind.DnsName);
    /// <summary><c>/dns4</c>.</summary>
    public static readonly MultiaddrProtocol Dns4 = new(0x36, "dns4", MultiaddrValueKind.DnsName);
    /// <summary><c>/dns6</c>.</summary>
    public static readonly MultiaddrProtocol Dns6 = new(0x37, "dns6", MultiaddrValueKind.DnsName);
    /// <summary><c>/dnsaddr</c>.</summary>
    public static readonly MultiaddrProtocol DnsAddr = new(0x38, "dnsaddr", MultiaddrValueKind.DnsName);
    /// <summary><c>/sctp</c>.</summary>
    public static readonly MultiaddrProtocol Sctp = new(0x84, "sctp", MultiaddrValueKind.Port);
    /// <summary><c>/udp</c>.</summary>
    public static readonly MultiaddrProtocol Udp = new(0x0111, "udp", MultiaddrValueKind.Port);
    /// <summary><c>/webrtc-direct</c>.</summary>
    public static readonly MultiaddrProtocol WebRtcDirect = new(0x0118, "webrtc-direct", MultiaddrValueKind.None);
    /// <summary><c>/webrtc</c>.</summary>
    public static readonly MultiaddrProtocol WebRtc = new(0x0119, "webrtc", MultiaddrValueKind.None);
    /// <summary><c>/p2p-circuit</c>: what follows is reached through the relay before it.</summary>
    public static readonly MultiaddrProtocol P2pCircuit = new(0x0122, "p2p-circuit", MultiaddrValueKind.None);
    /// <summary><c>/p2p</c> (legacy text name <c>/ipfs</c>).</summary>
    public static readonly MultiaddrProtocol P2p = new(0x01a5, "p2p", MultiaddrValueKind.PeerId);
    /// <summary><c>/https</c>.</summary>
    public static readonly MultiaddrProtocol Https = new(0x01bb, "https", MultiaddrValueKind.None);
    /// <summary><c>/tls</c>.</summary>
    public static readonly MultiaddrProtocol Tls = new(0x01c0, "tls", MultiaddrValueKind.None);
    /// <summary><c>/sni</c>.</summary>
    public static readonly MultiaddrProtocol Sni = new(0x01c1, "sni", MultiaddrValueKind.DnsName);
    /// <summary><c>/noise</c>.</summary>
    public static readonly MultiaddrProtocol Noise = new(0x01c6, "noise", MultiaddrValueKind.None);
    /// <summary><c>/quic</c> (draft-29).</summary>
    public static readonly MultiaddrProtocol Quic = new(0x01cc, "quic", MultiaddrValueKind.None);
    /// <summary><c>/quic-v1</c>.</summary>
    public static readonly MultiaddrProtocol QuicV1 = new(0x01cd, "quic-v1", MultiaddrValueKind.None);
    /// <summary><c>/webtransport</c>.</summary>
    public static readonly MultiaddrProtocol WebTransport = new(0x01d1, "webtransport", MultiaddrValueKind.None);
    /// <summary><c>/certhash</c>.</summary>
    public static readonly MultiaddrProtocol CertHash = new(0x01d2, "certhash", MultiaddrValueKind.Multibase);
    /// <summary><c>/ws</c>.</summary>
    public static readonly MultiaddrProtocol Ws = new(0x01dd, "ws", MultiaddrValueKind.None);
    /// <summary><c>/wss</c>.</summary>
    public static readonly MultiaddrProtocol Wss = new(0x01de, "wss", MultiaddrValueKind.None);
    /// <summary><c>/http</c>.</summary>
    public static readonly MultiaddrProtocol Http = new(0x01e0, "http", MultiaddrValueKind.None);

    private static readonly MultiaddrProtocol[] Table =
    [
        Ip4, Tcp, Dccp, Ip6, Ip6Zone, Dns, Dns4, Dns6, DnsAddr, Sctp, Udp, WebRtcDirect, WebRtc, P2pCircuit, P2p,
        Https, Tls, Sni, Noise, Quic, QuicV1, WebTransport, CertHash, Ws, Wss, Http,
    ];

    private static readonly Dictionary<ulong, MultiaddrProtocol> ByCodeMap = Table.ToDictionary(p => (ulong)p.Code);
    private static readonly Dictionary<string, MultiaddrProtocol> ByNameMap = Table.Append(P2p).Select((p, i) => (Name: i == Table.Length ? "ipfs" : p.Name, p)).ToDictionary(x => x.Name, x => x.p, StringComparer.Ordinal);

    private MultiaddrProtocol(int code, string name, MultiaddrValueKind kind)
    {
        Code = code;
        Name = name;
        Kind = kind;
    }

    /// <summary>The multicodec code.</summary>
    public int Code { get; }

    /// <summary>The text name.</summary>
    public string Name { get; }

    /// <summary>How the value is written.</summary>
    public MultiaddrValueKind Kind { get; }

    /// <summary>Fixed value size in bytes; 0 for none, -1 for length-prefixed values.</summary>
    public int FixedSize => Kind switch
    {
        MultiaddrValueKind.None => 0,
        MultiaddrValueKind.Ip4 => 4,
        MultiaddrValueKind.Ip6 => 16,
        MultiaddrValueKind.Port => 2,
        _ => -1,
    };

    /// <summary>Every protocol of the table.</summary>
    public static IReadOnlyList<MultiaddrProtocol> All => Table;

    /// <summary>By multicodec code; null when not in the table.</summary>
    public static MultiaddrProtocol? ByCode(ulong code) => ByCodeMap.GetValueOrDefault(code);

    /// <summary>By text name (<c>ipfs</c> is the legacy name of <c>p2p</c>); null when not in the table.</summary>
    public static MultiaddrProtocol? ByName(string name) => ByNameMap.GetValueOrDefault(name);

    /// <summary>The name.</summary>
    public override string ToString() => Name;
}
