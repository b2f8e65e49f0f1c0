using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using PluginMesh.P2p.Encoding;

namespace PluginMesh.P2p;

/// <summary>
/// A multiaddr (github.com/multiformats/multiaddr) with text and binary codecs over the protocols
/// of <see cref="MultiaddrProtocol"/>; anything else is rejected with a <see cref="FormatException"/>
/// that names the component. JSON writes it as its text. Relay circuits and the predicates
/// discovery needs are in Multiaddr.Circuits.cs and Multiaddr.Addresses.cs.
/// </summary>
/// <remarks>Immutable, compared by value (its components), thread-safe.</remarks>
[JsonConverter(typeof(MultiaddrJsonConverter))]
public sealed partial class Multiaddr : IEquatable<Multiaddr>
{
    private readonly MultiaddrComponent[] _components;
    private string? _text;

    /// <summary>A multiaddr of <paramref name="components"/> (at least one).</summary>
    /// <exception cref="ArgumentException">No component.</exception>
    public Multiaddr(IEnumerable<MultiaddrComponent> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        _components = [.. components];
        if (_components.Length == 0) throw new ArgumentException("a multiaddr has at least one component", nameof(components));
        if (Array.IndexOf(_components, null) >= 0) throw new ArgumentException("a multiaddr component is null", nameof(components));
    }

    /// <summary>The components, in order.</summary>
    public IReadOnlyList<MultiaddrComponent> Components => _components;

    /// <summary>Equality by value.</summary>
    public static bool operator ==(Multiaddr? left, Multiaddr? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(Multiaddr? left, Multiaddr? right) => !(left == right);

    /// <summary>Parses text such as <c>/ip4/1.2.3.4/tcp/4001/p2p/12D3KooW…</c>; a trailing <c>/</c> is tolerated, <c>/ipfs/</c> reads as <c>/p2p/</c>.</summary>
    /// <exception cref="FormatException">Not a multiaddr; the message names the component and the text.</exception>
    public static Multiaddr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text[0] != '/') throw new FormatException($"multiaddr: '{text}' must start with '/'");
        var parts = text.Split('/');
        var components = new List<MultiaddrComponent>();
        var end = parts.Length;
        if (end > 1 && parts[end - 1].Length == 0) end--; // a trailing slash is tolerated
        for (var i = 1; i < end; i++)
        {
            var name = parts[i];
            if (name.Length == 0) throw new FormatException($"multiaddr: empty component at position {components.Count} in '{text}'");
            var protocol = MultiaddrProtocol.ByName(name) ?? throw new FormatException($"multiaddr: unknown protocol '/{name}' in '{text}'");
            string? value = null;
            if (protocol.Kind != MultiaddrValueKind.None)
            {
                if (i + 1 >= end) throw new FormatException($"multiaddr: /{name} needs a value in '{text}'");
                value = parts[++i];
            }
            components.Add(MultiaddrComponent.FromText(protocol, value));
        }
        if (components.Count == 0) throw new FormatException("multiaddr: empty");
        return new Multiaddr(components);
    }

    /// <summary>Non-throwing <see cref="Parse"/>; <paramref name="error"/> says what is wrong (<c>multiaddr: missing</c> for null).</summary>
    public static bool TryParse(string? text, out Multiaddr? multiaddr, out string? error)
    {
        if (text is not null) return NonThrowing.Try(Parse, text, out multiaddr, out error);
        multiaddr = null;
        error = "multiaddr: missing";
        return false;
    }

    /// <summary>Non-throwing <see cref="Parse"/>.</summary>
    public static bool TryParse(string? text, out Multiaddr? multiaddr) => TryParse(text, out multiaddr, out _);

    /// <summary>Decodes the binary form (varint code, then the value, length-prefixed where the protocol's size is variable).</summary>
    /// <exception cref="FormatException">Truncated, an unknown code, or a bad value; the message names the component.</exception>
    public static Multiaddr FromBytes(ReadOnlySpan<byte> bytes)
    {
        var components = new List<MultiaddrComponent>();
        var pos = 0;
        while (pos < bytes.Length)
        {
            var n = Varint.TryRead(bytes[pos..], out var code);
            if (n <= 0) throw new FormatException($"multiaddr: bad protocol code varint at byte {pos}");
            pos += n;
            var protocol = MultiaddrProtocol.ByCode(code) ?? throw new FormatException($"multiaddr: unknown protocol code 0x{code:x} at component {components.Count}");
            var size = protocol.FixedSize;
            if (size < 0)
            {
                var m = Varint.TryRead(bytes[pos..], out var length);
                if (m <= 0) throw new FormatException($"multiaddr: /{protocol.Name} has a bad length varint");
                pos += m;
                if (length > (ulong)(bytes.Length - pos)) throw new FormatException($"multiaddr: /{protocol.Name} value is truncated");
                size = (int)length;
            }
            if (size > bytes.Length - pos) throw new FormatException($"multiaddr: /{protocol.Name} value is truncated");
            components.Add(MultiaddrComponent.FromBytes(protocol, bytes.Slice(pos, size)));
            pos += size;
        }
        if (components.Count == 0) throw new FormatException("multiaddr: empty");
        return new Multiaddr(components);
    }

    /// <summary>Non-throwing <see cref="FromBytes"/>.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out Multiaddr? multiaddr) =>
        NonThrowing.Try(FromBytes, bytes, out multiaddr, out _);

    /// <summary><c>/ip4|ip6/&lt;address&gt;/tcp/&lt;port&gt;</c> of an end point (IPv4-mapped IPv6 becomes <c>/ip4</c>).</summary>
    public static Multiaddr FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var ip = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        var family = ip.AddressFamily == AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6;
        return new Multiaddr([MultiaddrComponent.FromBytes(family, ip.GetAddressBytes()), MultiaddrComponent.Port(MultiaddrProtocol.Tcp, endPoint.Port)]);
    }

    /// <summary>The binary form.</summary>
    public byte[] ToBytes()
    {
        var buffer = new List<byte>(32);
        foreach (var c in _components) c.WriteTo(buffer);
        return [.. buffer];
    }

    /// <summary>The last <c>/p2p/</c> id (the peer this address reaches), or null (also for <c>…/p2p-circuit</c> with no target).</summary>
    public PeerId? PeerId
    {
        get
        {
            for (var i = _components.Length - 1; i >= 0; i--)
            {
                if (ReferenceEquals(_components[i].Protocol, MultiaddrProtocol.P2pCircuit)) return null;
                if (ReferenceEquals(_components[i].Protocol, MultiaddrProtocol.P2p)) return _components[i].PeerId;
            }
            return null;
        }
    }

    /// <summary>This address followed by <paramref name="other"/>'s components.</summary>
    public Multiaddr Encapsulate(Multiaddr other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new([.. _components, .. other._components]);
    }

    /// <summary>This address followed by <paramref name="component"/>.</summary>
    public Multiaddr Encapsulate(MultiaddrComponent component)
    {
        ArgumentNullException.ThrowIfNull(component);
        return new([.. _components, component]);
    }

    /// <summary>This address without a trailing <c>/p2p/</c> component (unchanged when it has none or is only that).</summary>
    public Multiaddr WithoutPeerId() =>
        _components.Length > 1 && ReferenceEquals(_components[^1].Protocol, MultiaddrProtocol.P2p) ? new Multiaddr(_components[..^1]) : this;

    /// <summary>This address ending in <c>/p2p/&lt;peerId&gt;</c> (a trailing <c>/p2p/</c> is replaced).</summary>
    public Multiaddr WithPeerId(PeerId peerId) => WithoutPeerId().Encapsulate(MultiaddrComponent.Of(peerId));

    /// <summary>For <c>/ip4|ip6|dns|dns4|dns6/…/tcp/…</c> with at most <c>/p2p/</c> after it: host and port; false otherwise.</summary>
    public bool TryGetTcpTarget(out string host, out int port, out bool isIp)
    {
        host = "";
        port = 0;
        isIp = false;
        if (_components.Length < 2 || !ReferenceEquals(_components[1].Protocol, MultiaddrProtocol.Tcp)) return false;
        for (var i = 2; i < _components.Length; i++)
        {
            if (!ReferenceEquals(_components[i].Protocol, MultiaddrProtocol.P2p)) return false;
        }
        var first = _components[0];
        isIp = first.Protocol.Kind is MultiaddrValueKind.Ip4 or MultiaddrValueKind.Ip6;
        var isDns = ReferenceEquals(first.Protocol, MultiaddrProtocol.Dns) || ReferenceEquals(first.Protocol, MultiaddrProtocol.Dns4) || ReferenceEquals(first.Protocol, MultiaddrProtocol.Dns6);
        if (!isIp && !isDns) return false;
        host = first.ValueText();
        port = _components[1].PortValue;
        return true;
    }

    /// <summary>The text form.</summary>
    public override string ToString() => _text ??= string.Concat(_components.Select(c => c.ToString()));

    /// <inheritdoc />
    public bool Equals(Multiaddr? other) => other is not null && (ReferenceEquals(this, other) || _components.AsSpan().SequenceEqual(other._components));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Multiaddr);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
