using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PluginMesh.P2p.Encoding;

namespace PluginMesh.P2p;

/// <summary>One <c>/protocol/value</c> pair of a multiaddr, holding the binary value.</summary>
/// <remarks>Immutable, compared by value, thread-safe.</remarks>
public sealed class MultiaddrComponent : IEquatable<MultiaddrComponent>
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);
    private readonly byte[] _value;

    private MultiaddrComponent(MultiaddrProtocol protocol, byte[] value)
    {
        Protocol = protocol;
        _value = value;
    }

    /// <summary>The protocol.</summary>
    public MultiaddrProtocol Protocol { get; }

    /// <summary>The binary value (empty for value-less protocols).</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(MultiaddrComponent? left, MultiaddrComponent? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(MultiaddrComponent? left, MultiaddrComponent? right) => !(left == right);

    /// <summary>A value-less component (<c>/p2p-circuit</c>, <c>/ws</c>).</summary>
    /// <exception cref="ArgumentException">The protocol takes a value.</exception>
    public static MultiaddrComponent Of(MultiaddrProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (protocol.Kind != MultiaddrValueKind.None) throw new ArgumentException($"/{protocol.Name} needs a value", nameof(protocol));
        return new(protocol, []);
    }

    /// <summary>A <c>/p2p/</c> component.</summary>
    public static MultiaddrComponent Of(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        return new(MultiaddrProtocol.P2p, peerId.Multihash.ToArray());
    }

    /// <summary>An <c>/ip4/</c> or <c>/ip6/</c> component (IPv4-mapped IPv6 becomes <c>/ip4</c>).</summary>
    /// <exception cref="ArgumentException">An IPv6 address with a scope (zone).</exception>
    public static MultiaddrComponent Of(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0) throw new ArgumentException($"{ip} has a zone", nameof(ip));
        return new(ip.AddressFamily == AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6, ip.GetAddressBytes());
    }

    /// <summary>A port component (<c>/tcp</c>, <c>/udp</c>, …).</summary>
    /// <exception cref="ArgumentException">The protocol is not a port protocol, or the port is out of range.</exception>
    public static MultiaddrComponent Port(MultiaddrProtocol protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (protocol.Kind != MultiaddrValueKind.Port) throw new ArgumentException($"/{protocol.Name} is not a port protocol", nameof(protocol));
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return new(protocol, [(byte)(port >> 8), (byte)port]);
    }

    /// <summary>Parses the text value of <paramref name="protocol"/>.</summary>
    /// <exception cref="FormatException">The value is missing or wrong; the message names the protocol and the value.</exception>
    public static MultiaddrComponent FromText(MultiaddrProtocol protocol, string? text)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        if (protocol.Kind == MultiaddrValueKind.None) return new(protocol, []);
        if (string.IsNullOrEmpty(text)) throw new FormatException($"multiaddr: /{protocol.Name} needs a value");
        return new(protocol, protocol.Kind switch
        {
            MultiaddrValueKind.Ip4 => ParseIp(text, AddressFamily.InterNetwork, protocol),
            MultiaddrValueKind.Ip6 => ParseIp(text, AddressFamily.InterNetworkV6, protocol),
            MultiaddrValueKind.Port => ParsePort(text, protocol),
            MultiaddrValueKind.PeerId => ParsePeerId(text),
            MultiaddrValueKind.Multibase => ParseMultibase(text, protocol),
            MultiaddrValueKind.Text => CheckText(text, protocol),
            _ => CheckDnsName(text, protocol),
        });
    }

    /// <summary>Checks a binary value read off the wire.</summary>
    /// <exception cref="FormatException">The value is wrong for the protocol; the message names it.</exception>
    public static MultiaddrComponent FromBytes(MultiaddrProtocol protocol, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        var size = protocol.FixedSize;
        if (size >= 0 && value.Length != size) throw new FormatException($"multiaddr: /{protocol.Name} value must be {size} bytes, got {value.Length}");
        switch (protocol.Kind)
        {
            case MultiaddrValueKind.PeerId:
                try
                {
                    PeerId.FromMultihash(value);
                }
                catch (FormatException e)
                {
                    throw new FormatException($"multiaddr: /{protocol.Name} value is not a peer id ({e.Message})", e);
                }
                break;
            case MultiaddrValueKind.DnsName:
                CheckDnsName(DecodeUtf8(value, protocol), protocol);
                break;
            case MultiaddrValueKind.Text:
                CheckText(DecodeUtf8(value, protocol), protocol);
                break;
            case MultiaddrValueKind.Multibase:
                if (value.Length == 0) throw new FormatException($"multiaddr: /{protocol.Name} value is empty");
                break;
        }
        return new(protocol, value.ToArray());
    }

    /// <summary>The value in text form (empty for value-less protocols).</summary>
    public string ValueText() => Protocol.Kind switch
    {
        MultiaddrValueKind.None => "",
        MultiaddrValueKind.Ip4 or MultiaddrValueKind.Ip6 => new IPAddress(_value).ToString(),
        MultiaddrValueKind.Port => PortValue.ToString(CultureInfo.InvariantCulture),
        MultiaddrValueKind.PeerId => Base58.Encode(_value),
        MultiaddrValueKind.Multibase => Multibase.EncodeBase64Url(_value),
        _ => System.Text.Encoding.UTF8.GetString(_value),
    };

    /// <summary>The port of a port component; 0 for others.</summary>
    public int PortValue => Protocol.Kind == MultiaddrValueKind.Port ? (_value[0] << 8) | _value[1] : 0;

    /// <summary>The IP of an <c>/ip4</c> or <c>/ip6</c> component; null for others.</summary>
    public IPAddress? IPAddress => Protocol.Kind is MultiaddrValueKind.Ip4 or MultiaddrValueKind.Ip6 ? new IPAddress(_value) : null;

    /// <summary>The PeerId of a <c>/p2p</c> component; null for others.</summary>
    public PeerId? PeerId => Protocol.Kind == MultiaddrValueKind.PeerId ? P2p.PeerId.FromMultihash(_value) : null;

    /// <summary><c>/name</c> or <c>/name/value</c>.</summary>
    public override string ToString() => Protocol.Kind == MultiaddrValueKind.None ? "/" + Protocol.Name : $"/{Protocol.Name}/{ValueText()}";

    /// <inheritdoc />
    public bool Equals(MultiaddrComponent? other) =>
        other is not null && ReferenceEquals(other.Protocol, Protocol) && other._value.AsSpan().SequenceEqual(_value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MultiaddrComponent);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Protocol.Code, _value.Length);

    internal void WriteTo(List<byte> buffer)
    {
        Span<byte> varint = stackalloc byte[Varint.MaxLength];
        buffer.AddRange(varint[..Varint.Write(varint, (ulong)Protocol.Code)]);
        if (Protocol.FixedSize < 0) buffer.AddRange(varint[..Varint.Write(varint, (ulong)_value.Length)]);
        buffer.AddRange(_value);
    }

    private static byte[] ParseIp(string text, AddressFamily family, MultiaddrProtocol protocol)
    {
        if (!System.Net.IPAddress.TryParse(text, out var ip) || ip.AddressFamily != family || (family == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        if (family == AddressFamily.InterNetworkV6 && ip.ScopeId != 0)
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' has a zone (use /ip6zone)");
        return ip.GetAddressBytes();
    }

    private static byte[] ParsePort(string text, MultiaddrProtocol protocol)
    {
        if (text.Length > 5 || !text.All(char.IsAsciiDigit) || !ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not a port (0-65535)");
        return [(byte)(port >> 8), (byte)port];
    }

    private static byte[] ParsePeerId(string text)
    {
        try
        {
            return P2p.PeerId.Parse(text).Multihash.ToArray();
        }
        catch (FormatException e)
        {
            throw new FormatException($"multiaddr: /p2p value '{text}' is not a peer id ({e.Message})", e);
        }
    }

    private static byte[] ParseMultibase(string text, MultiaddrProtocol protocol)
    {
        byte[] bytes;
        try
        {
            bytes = Multibase.Decode(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not multibase ({e.Message})", e);
        }
        if (bytes.Length == 0) throw new FormatException($"multiaddr: /{protocol.Name} value is empty");
        return bytes;
    }

    private static byte[] CheckDnsName(string text, MultiaddrProtocol protocol)
    {
        if (text.Length == 0 || text.Length > 253 || text.Contains('/', StringComparison.Ordinal) || text.Any(char.IsWhiteSpace))
            throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is not a DNS name");
        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    private static byte[] CheckText(string text, MultiaddrProtocol protocol)
    {
        if (text.Length == 0 || text.Contains('/', StringComparison.Ordinal)) throw new FormatException($"multiaddr: /{protocol.Name} value '{text}' is empty or holds a '/'");
        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> value, MultiaddrProtocol protocol)
    {
        try
        {
            return StrictUtf8.GetString(value);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new FormatException($"multiaddr: /{protocol.Name} value is not UTF-8", e);
        }
    }
}
