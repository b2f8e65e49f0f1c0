using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>
/// Text ↔ binary multiaddrs for the protocols a relay puts in <c>Peer.addrs</c> and
/// <c>Reservation.addrs</c>. The plugin cannot use the tunnel plugin's multiaddr type (plugins never
/// reference each other), and a relay only needs these few components.
/// </summary>
internal static class MultiaddrCodec
{
    private enum Kind { Ip4, Ip6, Port, Text, PeerId, None }

    private static readonly (string Name, int Code, Kind Kind)[] Table =
    [
        ("ip4", 4, Kind.Ip4), ("tcp", 6, Kind.Port), ("udp", 273, Kind.Port), ("ip6", 41, Kind.Ip6),
        ("dns", 53, Kind.Text), ("dns4", 54, Kind.Text), ("dns6", 55, Kind.Text), ("dnsaddr", 56, Kind.Text),
        ("p2p", 421, Kind.PeerId), ("p2p-circuit", 290, Kind.None), ("quic-v1", 461, Kind.None),
        ("ws", 477, Kind.None), ("wss", 478, Kind.None), ("tls", 448, Kind.None),
    ];

    /// <summary>Binary form of <paramref name="text"/>, or null when it uses something not in the table.</summary>
    public static byte[]? TryEncode(string text)
    {
        var parts = text.Split('/');
        if (parts.Length < 2 || parts[0].Length != 0) return null;
        var output = new List<byte>();
        for (var i = 1; i < parts.Length; i++)
        {
            var entry = Table.FirstOrDefault(t => t.Name == parts[i]);
            if (entry.Name is null) return null;
            WriteVarint(output, (ulong)entry.Code);
            if (entry.Kind == Kind.None) continue;
            if (++i >= parts.Length) return null;
            var value = parts[i];
            switch (entry.Kind)
            {
                case Kind.Ip4 or Kind.Ip6:
                    if (!IPAddress.TryParse(value, out var ip)) return null;
                    if ((entry.Kind == Kind.Ip4) != (ip.AddressFamily == AddressFamily.InterNetwork)) return null;
                    output.AddRange(ip.GetAddressBytes());
                    break;
                case Kind.Port:
                    if (!ushort.TryParse(value, out var port)) return null;
                    output.Add((byte)(port >> 8));
                    output.Add((byte)port);
                    break;
                case Kind.Text:
                    var utf8 = Encoding.UTF8.GetBytes(value);
                    WriteVarint(output, (ulong)utf8.Length);
                    output.AddRange(utf8);
                    break;
                case Kind.PeerId:
                    var mh = PeerIds.ToBytes(value);
                    if (mh is null) return null;
                    WriteVarint(output, (ulong)mh.Length);
                    output.AddRange(mh);
                    break;
            }
        }
        return [.. output];
    }

    /// <summary>Text form of a binary multiaddr, or null when it is malformed or unknown.</summary>
    public static string? TryDecode(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        while (bytes.Length > 0)
        {
            if (!TryReadVarint(ref bytes, out var code)) return null;
            var entry = Table.FirstOrDefault(t => (ulong)t.Code == code);
            if (entry.Name is null) return null;
            sb.Append('/').Append(entry.Name);
            switch (entry.Kind)
            {
                case Kind.None:
                    continue;
                case Kind.Ip4 or Kind.Ip6:
                    var n = entry.Kind == Kind.Ip4 ? 4 : 16;
                    if (bytes.Length < n) return null;
                    sb.Append('/').Append(new IPAddress(bytes[..n]));
                    bytes = bytes[n..];
                    break;
                case Kind.Port:
                    if (bytes.Length < 2) return null;
                    sb.Append('/').Append(BinaryPrimitives.ReadUInt16BigEndian(bytes));
                    bytes = bytes[2..];
                    break;
                default:
                    if (!TryReadVarint(ref bytes, out var len) || len > (ulong)bytes.Length) return null;
                    var value = bytes[..(int)len];
                    bytes = bytes[(int)len..];
                    var text = entry.Kind == Kind.Text ? Encoding.UTF8.GetString(value) : PeerIds.FromBytes(value);
                    if (text is null) return null;
                    sb.Append('/').Append(text);
                    break;
            }
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }
        output.Add((byte)value);
    }

    private static bool TryReadVarint(ref ReadOnlySpan<byte> bytes, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 9 && i < bytes.Length; i++)
        {
            value |= (ulong)(bytes[i] & 0x7F) << (7 * i);
            if ((bytes[i] & 0x80) == 0)
            {
                bytes = bytes[(i + 1)..];
                return true;
            }
        }
        return false;
    }
}
