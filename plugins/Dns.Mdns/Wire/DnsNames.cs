using System.Text;

namespace PluginMesh.Plugins.Dns.Mdns.Wire;

/// <summary>Conversions between text names and lowercase wire names, used off the hot path (index building, API lookups).</summary>
internal static class DnsNames
{
    /// <summary>Encodes a dotted name (trailing dot optional) as a lowercase wire name.</summary>
    /// <returns>The wire name, or null when a label is empty or too long, or the name is too long.</returns>
    public static byte[]? ToWire(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = name.AsSpan();
        if (text.EndsWith(".")) text = text[..^1];
        if (text.IsEmpty) return [0];
        // Runs for every name on each index rebuild: no Split, no per-label strings.
        Span<byte> buffer = stackalloc byte[DnsLimits.MaxNameLength];
        var pos = 0;
        while (true)
        {
            var dot = text.IndexOf('.');
            var label = dot < 0 ? text : text[..dot];
            var count = Encoding.UTF8.GetByteCount(label);
            if (count == 0 || count > DnsLimits.MaxLabelLength || pos + 1 + count + 1 > DnsLimits.MaxNameLength) return null;
            buffer[pos++] = (byte)count;
            Encoding.UTF8.GetBytes(label, buffer[pos..]);
            DnsQueryParser.ToLower(buffer.Slice(pos, count), buffer.Slice(pos, count));
            pos += count;
            if (dot < 0) break;
            text = text[(dot + 1)..];
        }
        buffer[pos++] = 0;
        return buffer[..pos].ToArray();
    }

    /// <summary>Renders a wire name as dotted text (no trailing dot; "." for the root).</summary>
    public static string ToText(ReadOnlySpan<byte> wire)
    {
        var sb = new StringBuilder();
        var pos = 0;
        while (pos < wire.Length && wire[pos] != 0)
        {
            int length = wire[pos];
            if (pos + 1 + length > wire.Length) break;
            if (sb.Length > 0) sb.Append('.');
            sb.Append(Encoding.ASCII.GetString(wire.Slice(pos + 1, length)));
            pos += 1 + length;
        }
        return sb.Length == 0 ? "." : sb.ToString();
    }

    /// <summary>Checks that <paramref name="text"/> is a usable host name (LDH labels, RFC 1123).</summary>
    public static bool IsValidHostName(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan();
        if (span.EndsWith(".")) span = span[..^1];
        if (span.Length is 0 or > 253) return false;
        var labelLength = 0;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c == '.')
            {
                if (labelLength == 0 || span[i - 1] == '-') return false;
                labelLength = 0;
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c) && (c != '-' || labelLength == 0)) return false;
            if (++labelLength > DnsLimits.MaxLabelLength) return false;
        }
        return labelLength > 0 && span[^1] != '-';
    }

    /// <summary>True when <paramref name="name"/> equals <paramref name="zone"/> or lies under it, on a label boundary.</summary>
    public static bool IsAtOrBelow(ReadOnlySpan<byte> name, ReadOnlySpan<byte> zone)
    {
        if (name.Length < zone.Length || !name.EndsWith(zone)) return false;
        var pos = 0;
        var cut = name.Length - zone.Length;
        while (pos < cut) pos += 1 + name[pos];
        return pos == cut;
    }

    /// <summary>The reverse-lookup name of an address (in-addr.arpa / ip6.arpa).</summary>
    public static string ReverseName(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        var sb = new StringBuilder();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = bytes.Length - 1; i >= 0; i--) sb.Append(bytes[i]).Append('.');
            return sb.Append("in-addr.arpa").ToString();
        }
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            sb.Append("0123456789abcdef"[bytes[i] & 0xF]).Append('.');
            sb.Append("0123456789abcdef"[bytes[i] >> 4]).Append('.');
        }
        return sb.Append("ip6.arpa").ToString();
    }

    /// <summary>The label CoreDNS uses for an endpoint without a hostname: its address with dashes (10-0-0-1, fd00--1).</summary>
    public static string DashedAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.ToString().Replace('.', '-').Replace(':', '-');
    }
}
