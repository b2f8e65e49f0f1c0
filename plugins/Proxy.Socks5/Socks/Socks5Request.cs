namespace PluginMesh.Plugins.Proxy.Socks5.Socks;

/// <summary>A parsed SOCKS5 request (RFC 1928 §4).</summary>
/// <param name="Command">CMD: 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE (only CONNECT is served).</param>
/// <param name="Host">The domain name (ATYP 3) as sent, or null for an address.</param>
/// <param name="Address">The IPv4 or IPv6 address (ATYP 1 or 4), or null for a domain name.</param>
/// <param name="Port">DST.PORT.</param>
public sealed record Socks5Request(byte Command, string? Host, IPAddress? Address, int Port)
{
    /// <summary>CMD value of CONNECT.</summary>
    public const byte Connect = 1;

    /// <inheritdoc />
    public override string ToString() => (Host ?? Address?.ToString() ?? "?") + ":" + Port.ToString(CultureInfo.InvariantCulture);
}
