using System.Net;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;
using PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;

/// <summary>
/// A multiaddr (github.com/multiformats/multiaddr): immutable, with binary and text codecs for ip4,
/// ip6, tcp, udp, dns, dns4, dns6, dnsaddr, p2p and p2p-circuit. Anything else is rejected with a
/// <see cref="FormatException"/> that names the component.
/// </summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    private readonly MultiaddrComponent[] _components;

    public Multiaddr(IEnumerable<MultiaddrComponent> components) => _components = components.ToArray();

    public IReadOnlyList<MultiaddrComponent> Components => _components;

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
            if (protocol.SizeBits != 0)
            {
                if (i + 1 >= end) throw new FormatException($"multiaddr: /{name} needs a value in '{text}'");
                value = parts[++i];
            }
            components.Add(MultiaddrComponent.FromText(protocol, value));
        }
        if (components.Count == 0) throw new FormatException("multiaddr: empty");
        return new Multiaddr(components);
    }

    /// <summary>Non-throwing parse for config validation; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, out Multiaddr? multiaddr, out string? error)
    {
        multiaddr = null;
        error = null;
        if (text is null)
        {
            error = "multiaddr: missing";
            return false;
        }
        try
        {
            multiaddr = Parse(text);
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

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
            int size;
            if (protocol.SizeBits >= 0)
            {
                size = protocol.SizeBits / 8;
            }
            else
            {
                var m = Varint.TryRead(bytes[pos..], out var length);
                if (m <= 0) throw new FormatException($"multiaddr: /{protocol.Name} has a bad length varint");
                pos += m;
                if (length > (ulong)(bytes.Length - pos)) throw new FormatException($"multiaddr: /{protocol.Name} value is truncated");
                size = (int)length;
            }
            if (size > bytes.Length - pos) throw new FormatException($"multiaddr: /{protocol.Name} value is truncated");
            components.Add(MultiaddrComponent.FromBytes(protocol, bytes.Slice(pos, size).ToArray()));
            pos += size;
        }
        if (components.Count == 0) throw new FormatException("multiaddr: empty");
        return new Multiaddr(components);
    }

    public byte[] ToBytes()
    {
        var buffer = new List<byte>(32);
        Span<byte> varint = stackalloc byte[Varint.MaxLength];
        foreach (var c in _components)
        {
            buffer.AddRange(varint[..Varint.Write(varint, (ulong)c.Protocol.Code)]);
            if (c.Protocol.SizeBits < 0) buffer.AddRange(varint[..Varint.Write(varint, (ulong)c.Value.Length)]);
            buffer.AddRange(c.Value);
        }
        return buffer.ToArray();
    }

    /// <summary>The last <c>/p2p/</c> id (the peer this address reaches), if any.</summary>
    public PeerId? PeerId
    {
        get
        {
            for (var i = _components.Length - 1; i >= 0; i--)
            {
                if (_components[i].Protocol == MultiaddrProtocol.P2pCircuit) return null;
                if (_components[i].Protocol == MultiaddrProtocol.P2p) return Identity.PeerId.FromMultihash(_components[i].Value);
            }
            return null;
        }
    }

    /// <summary>True for relay circuit addresses (any <c>/p2p-circuit</c> component).</summary>
    public bool IsRelayed => _components.Any(c => c.Protocol == MultiaddrProtocol.P2pCircuit);

    /// <summary>The IP of an <c>/ip4|ip6/…</c> address that is not relayed; false for DNS and circuit addresses.</summary>
    public bool TryGetIp(out System.Net.IPAddress ip)
    {
        ip = System.Net.IPAddress.None;
        if (_components.Length == 0 || IsRelayed) return false;
        var first = _components[0];
        if (first.Protocol != MultiaddrProtocol.Ip4 && first.Protocol != MultiaddrProtocol.Ip6) return false;
        ip = new System.Net.IPAddress(first.Value);
        return true;
    }

    /// <summary>This address without a trailing <c>/p2p/</c> component.</summary>
    public Multiaddr WithoutPeerId() =>
        _components.Length > 1 && _components[^1].Protocol == MultiaddrProtocol.P2p ? new Multiaddr(_components[..^1]) : this;

    public Multiaddr WithPeerId(PeerId peerId) =>
        new(WithoutPeerId()._components.Append(new MultiaddrComponent(MultiaddrProtocol.P2p, peerId.Multihash.ToArray())));

    /// <summary>For <c>/ip4|ip6|dns*/…/tcp/…</c> addresses: host and port; false otherwise.</summary>
    public bool TryGetTcpTarget(out string host, out int port, out bool isIp)
    {
        host = "";
        port = 0;
        isIp = false;
        if (_components.Length < 2 || _components[1].Protocol != MultiaddrProtocol.Tcp) return false;
        for (var i = 2; i < _components.Length; i++)
        {
            if (_components[i].Protocol != MultiaddrProtocol.P2p) return false;
        }
        var first = _components[0];
        if (first.Protocol == MultiaddrProtocol.DnsAddr) return false;
        isIp = first.Protocol == MultiaddrProtocol.Ip4 || first.Protocol == MultiaddrProtocol.Ip6;
        if (!isIp && first.Protocol.SizeBits != -1) return false;
        host = first.ValueText();
        port = (_components[1].Value[0] << 8) | _components[1].Value[1];
        return true;
    }

    public static Multiaddr FromEndPoint(IPEndPoint endPoint)
    {
        var ip = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        var protocol = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6;
        return new Multiaddr([
            new MultiaddrComponent(protocol, ip.GetAddressBytes()),
            new MultiaddrComponent(MultiaddrProtocol.Tcp, [(byte)(endPoint.Port >> 8), (byte)endPoint.Port]),
        ]);
    }

    public override string ToString() => string.Concat(_components.Select(c => c.ToString()));

    public bool Equals(Multiaddr? other) => other is not null && _components.AsSpan().SequenceEqual(other._components);

    public override bool Equals(object? obj) => Equals(obj as Multiaddr);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
