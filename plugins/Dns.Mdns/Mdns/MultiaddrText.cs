using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// The little multiaddr handling discovery needs, on the text form: find the <c>/p2p/</c> id and
/// decide whether an address is private. Full multiaddr parsing belongs to the tunnel plugin.
/// </summary>
internal static class MultiaddrText
{
    /// <summary>The PeerId of the last <c>/p2p/</c> (or legacy <c>/ipfs/</c>) component, or null.</summary>
    public static string? PeerId(string address)
    {
        var parts = address.Split('/');
        for (var i = parts.Length - 2; i >= 1; i--)
            if (parts[i] is "p2p" or "ipfs") return IsPeerIdText(parts[i + 1]) ? parts[i + 1] : null;
        return null;
    }

    /// <summary>
    /// A plausible multiaddr text: starts with '/', printable ASCII without spaces, no empty
    /// component, and ends with <c>/p2p/&lt;id&gt;</c>.
    /// </summary>
    public static bool IsWellFormed(string address)
    {
        if (address.Length < 4 || address[0] != '/' || address[^1] == '/') return false;
        foreach (var c in address)
            if (c <= ' ' || c >= 127) return false;
        if (address.Contains("//", StringComparison.Ordinal)) return false;
        var parts = address.Split('/');
        return parts.Length >= 3 && parts[^2] is "p2p" or "ipfs" && IsPeerIdText(parts[^1]);
    }

    /// <summary>Base58btc (Qm…, 12D3KooW…, 16Uiu2…) or base32 CIDv1 (b…) text of sensible length.</summary>
    public static bool IsPeerIdText(string text) =>
        text.Length is >= 32 and <= 128 && text.All(char.IsAsciiLetterOrDigit);

    /// <summary>
    /// True for /ip4 and /ip6 addresses that are loopback, private (RFC 1918, CGNAT 100.64/10,
    /// ULA fc00::/7) or link-local — what js-libp2p keeps in its mDNS answers. DNS names are not
    /// private: nothing says where they resolve.
    /// </summary>
    public static bool IsPrivate(string address)
    {
        var parts = address.Split('/');
        if (parts.Length < 3 || parts[1] is not ("ip4" or "ip6") || !IPAddress.TryParse(parts[2], out var ip)) return false;
        if (IPAddress.IsLoopback(ip)) return true;
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
            else return ip.IsIPv6LinkLocal || ip.IsIPv6UniqueLocal;
        }
        var b = ip.GetAddressBytes();
        return b[0] == 10
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }
}
