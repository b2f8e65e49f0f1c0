using System.Net;
using System.Net.Sockets;
using System.Text;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;

/// <summary>One <c>/protocol/value</c> pair of a multiaddr, holding the binary value.</summary>
public sealed record MultiaddrComponent(MultiaddrProtocol Protocol, byte[] Value)
{
    /// <summary>Parses the text value of <paramref name="protocol"/>; throws <see cref="FormatException"/> naming it.</summary>
    public static MultiaddrComponent FromText(MultiaddrProtocol protocol, string? text)
    {
        if (protocol.SizeBits == 0)
        {
            return new(protocol, []);
        }
        if (string.IsNullOrEmpty(text)) throw new FormatException($"multiaddr: /{protocol.Name} needs a value");
        return new(protocol, protocol.Name switch
        {
            "ip4" => ParseIp(text, AddressFamily.InterNetwork, protocol),
            "ip6" => ParseIp(text, AddressFamily.InterNetworkV6, protocol),
            "tcp" or "udp" => ParsePort(text, protocol),
            "p2p" => ParsePeerId(text),
            _ => ParseDnsName(text, protocol),
        });
    }

    /// <summary>Checks a binary value read off the wire; throws <see cref="FormatException"/> naming the protocol.</summary>
    public static MultiaddrComponent FromBytes(MultiaddrProtocol protocol, byte[] value)
    {
        switch (protocol.Name)
        {
            case "p2p":
                try { PeerId.FromMultihash(value); }
                catch (FormatException e) { throw new FormatException($"multiaddr: /p2p value is not a peer id ({e.Message})", e); }
                break;
            case "dns" or "dns4" or "dns6" or "dnsaddr":
                ParseDnsName(DecodeUtf8(value, protocol), protocol);
                break;
        }
        return new(protocol, value);
    }

    public override string ToString() => Protocol.SizeBits == 0 ? "/" + Protocol.Name : $"/{Protocol.Name}/{ValueText()}";

    /// <summary>The value in text form (empty for value-less protocols).</summary>
    public string ValueText() => Protocol.Name switch
    {
        "ip4" or "ip6" => new IPAddress(Value).ToString(),
        "tcp" or "udp" => ((Value[0] << 8) | Value[1]).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "p2p" => Base58.Encode(Value),
        "p2p-circuit" => "",
        _ => Encoding.UTF8.GetString(Value),
    };

    public bool Equals(MultiaddrComponent? other) =>
        other is not null && other.Protocol == Protocol && other.Value.AsSpan().SequenceEqual(Value);

    public override int GetHashCode() => HashCode.Combine(Protocol.Code, Value.Length);

    private static byte[] ParseIp(string text, AddressFamily family, MultiaddrProtocol protocol)
    {
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != family || (family == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        if (family == AddressFamily.InterNetworkV6 && ip.ScopeId != 0)
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' has a zone (use /ip6zone)");
        return ip.GetAddressBytes();
    }

    private static byte[] ParsePort(string text, MultiaddrProtocol protocol)
    {
        if (text.Length > 5 || !text.All(char.IsAsciiDigit) || !ushort.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not a port (0-65535)");
        return [(byte)(port >> 8), (byte)port];
    }

    private static byte[] ParsePeerId(string text)
    {
        try
        {
            return PeerId.Parse(text).Multihash.ToArray();
        }
        catch (FormatException e)
        {
            throw new FormatException($"multiaddr: /p2p value '{text}' is not a peer id ({e.Message})", e);
        }
    }

    private static byte[] ParseDnsName(string text, MultiaddrProtocol protocol)
    {
        if (text.Length > 253 || text.Contains('/') || text.Any(char.IsWhiteSpace))
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not a DNS name");
        return Encoding.UTF8.GetBytes(text);
    }

    private static string DecodeUtf8(byte[] value, MultiaddrProtocol protocol)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"multiaddr: /{protocol.Name} value is not UTF-8", e);
        }
    }
}
