namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>
/// Which IP addresses count as private (not worth dialing back, not proof of public reachability).
/// Configurable because an edge LAN, a carrier-grade NAT and a test lab on TEST-NET ranges all look
/// private by default; <c>treatAsPublic</c> carves exceptions out of <c>privateRanges</c>.
/// </summary>
public sealed class AddressRanges(IReadOnlyList<IPNetwork> privateRanges, IReadOnlyList<IPNetwork> treatAsPublic)
{
    /// <summary>RFC 1918, CGNAT, loopback, link-local, TEST-NETs, benchmarking, reserved, IPv6 ULA/link-local/loopback/documentation.</summary>
    public static IReadOnlyList<IPNetwork> DefaultPrivate { get; } =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "240.0.0.0/4", "::1/128", "::/128", "fc00::/7", "fe80::/10", "2001:db8::/32",
        }.Select(IPNetwork.Parse),
    ];

    public static AddressRanges Default { get; } = new(DefaultPrivate, []);

    public IReadOnlyList<IPNetwork> PrivateRanges => privateRanges;

    public IReadOnlyList<IPNetwork> TreatAsPublic => treatAsPublic;

    public bool IsPrivate(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (treatAsPublic.Any(n => n.Contains(ip))) return false;
        return privateRanges.Any(n => n.Contains(ip));
    }

    /// <summary>
    /// True when an address of a peer is worth dialing from here: it is not private, or it is in a private
    /// range we are observed in ourselves (<see cref="SharesRealm"/>). Hole punching dials only these;
    /// path choice dials the others last.
    /// </summary>
    public bool WorthDialing(IPAddress ip, IEnumerable<IPAddress> seenAs) => !IsPrivate(ip) || SharesRealm(ip, seenAs);

    /// <summary>
    /// True when <paramref name="ip"/> is private but shares its private range with one of
    /// <paramref name="seenAs"/> — the addresses remote peers observed us on. Those peers reach us in
    /// that range, so it is the network both sides of a NAT lab (or a carrier's shared address space)
    /// meet in, and an address there is worth dialing; a peer's own LAN address behind its NAT is not
    /// (we are not seen in that range).
    /// </summary>
    public bool SharesRealm(IPAddress ip, IEnumerable<IPAddress> seenAs)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        foreach (var range in privateRanges)
        {
            if (!range.Contains(ip)) continue;
            foreach (var seen in seenAs)
            {
                var s = seen.IsIPv4MappedToIPv6 ? seen.MapToIPv4() : seen;
                if (range.Contains(s)) return true;
            }
        }
        return false;
    }
}
