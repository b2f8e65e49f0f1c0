using System.Net;
using System.Net.Sockets;

namespace PluginMesh.P2p;

// Predicates on the IP an address starts with (discovery decides what to advertise by them).
public sealed partial class Multiaddr
{
    /// <summary>The IP of an <c>/ip4|ip6/…</c> address that is not relayed; false for DNS and circuit addresses.</summary>
    public bool TryGetIp(out IPAddress ip)
    {
        ip = IPAddress.None;
        if (IsRelayed || _components[0].IPAddress is not { } first) return false;
        ip = first;
        return true;
    }

    /// <summary>True when the address starts with a loopback IP (127/8, ::1, IPv4-mapped loopback).</summary>
    public bool IsLoopback => StartIp() is { } ip && IPAddress.IsLoopback(ip);

    /// <summary>True when the address starts with a link-local IP (169.254/16, fe80::/10).</summary>
    public bool IsLinkLocal => StartIp() is { } ip && (ip.AddressFamily == AddressFamily.InterNetworkV6 ? ip.IsIPv6LinkLocal : ip.GetAddressBytes() is [169, 254, ..]);

    /// <summary>True when the address starts with the unspecified IP (0.0.0.0, ::): a wildcard to listen on, never one to dial.</summary>
    public bool IsUnspecified => StartIp() is { } ip && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));

    /// <summary>
    /// True when another node could dial the address: it does not start (for a circuit: its relay's
    /// address does not start) with a loopback, link-local or unspecified IP. Loopback leads the dialer
    /// to itself, 169.254/16 is shared by every node (the agent's DNS address 169.254.96.16) and fe80::/10
    /// needs an interface scope a multiaddr does not carry.
    /// </summary>
    public bool IsForOthers => !IsLoopback && !IsLinkLocal && !IsUnspecified;

    /// <summary>
    /// The addresses of <paramref name="addresses"/> another node could dial (<see cref="IsForOthers"/>), in order.
    /// When none is, the loopback ones are kept: every peer then runs on this host (a single-host setup or
    /// test), and loopback is how they reach each other.
    /// </summary>
    public static IReadOnlyList<Multiaddr> ForOthers(IEnumerable<Multiaddr> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var all = addresses as IReadOnlyList<Multiaddr> ?? [.. addresses];
        var forOthers = all.Where(a => a.IsForOthers).ToList();
        return forOthers.Count > 0 ? forOthers : [.. all.Where(a => a.IsLoopback)];
    }

    /// <summary>
    /// True when the address starts with a loopback, private (RFC 1918, CGNAT 100.64/10, ULA fc00::/7)
    /// or link-local IP — what js-libp2p keeps in its mDNS answers. DNS names are not private:
    /// nothing says where they resolve.
    /// </summary>
    public bool IsPrivate
    {
        get
        {
            if (StartIp() is not { } ip) return false;
            if (IPAddress.IsLoopback(ip)) return true;
            if (ip.AddressFamily == AddressFamily.InterNetworkV6) return ip.IsIPv6LinkLocal || ip.IsIPv6UniqueLocal;
            var b = ip.GetAddressBytes();
            return b[0] == 10
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] is >= 64 and <= 127);
        }
    }

    /// <summary>The first component's IP (IPv4-mapped IPv6 as IPv4), relayed or not.</summary>
    private IPAddress? StartIp()
    {
        var ip = _components[0].IPAddress;
        return ip is { IsIPv4MappedToIPv6: true } ? ip.MapToIPv4() : ip;
    }
}
