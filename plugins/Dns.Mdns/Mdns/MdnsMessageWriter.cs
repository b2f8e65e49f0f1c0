using System.Text;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Builds the two messages libp2p mDNS sends: the PTR query and the PTR+TXT response.</summary>
internal static class MdnsMessageWriter
{
    private const ushort TypeTxt = 16;

    /// <summary>A query with one question: <paramref name="serviceWire"/> PTR IN (as js sends it).</summary>
    public static byte[] Query(ReadOnlySpan<byte> serviceWire)
    {
        var buffer = new byte[DnsLimits.HeaderLength + serviceWire.Length + 4];
        var w = new DnsWriter(buffer);
        w.WriteHeader(0, 0, 1, 0, 0, 0);
        w.WriteBytes(serviceWire);
        w.WriteUInt16(DnsType.Ptr);
        w.WriteUInt16(DnsType.ClassIn);
        return buffer;
    }

    /// <summary>
    /// A response (id 0, QR+AA, no question) holding the PTR <c>service → peerName.service</c> and one
    /// TXT record per address with the single string <c>dnsaddr=&lt;address&gt;</c>. TXT records go in
    /// the answers like js puts them, because js only looks there and in additionals and older
    /// receivers only in answers. TTL 0 makes it a goodbye (RFC 6762 §10.1).
    /// </summary>
    /// <param name="serviceWire">The service name in wire form.</param>
    /// <param name="peerName">Our instance label (1-63 ASCII bytes).</param>
    /// <param name="addresses">Addresses, each already checked to fit a TXT string with the prefix.</param>
    /// <param name="ttl">TTL of every record, in seconds.</param>
    public static byte[] Response(ReadOnlySpan<byte> serviceWire, string peerName, IReadOnlyList<string> addresses, uint ttl)
    {
        var label = Encoding.ASCII.GetBytes(peerName);
        var txt = addresses.Select(a => Encoding.UTF8.GetBytes(MdnsLimits.TxtPrefix + a)).ToList();
        var size = DnsLimits.HeaderLength + serviceWire.Length + 10 + 1 + label.Length + 2 + txt.Sum(t => 2 + 10 + 1 + t.Length);
        var buffer = new byte[size];
        var w = new DnsWriter(buffer);
        w.WriteHeader(0, MdnsLimits.ResponseFlags, 0, (ushort)(1 + txt.Count), 0, 0);

        // The PTR owner is the first name in the message (offset 12), so its data can point at it.
        w.WriteRecordHeader(serviceWire, DnsType.Ptr, ttl, (ushort)(1 + label.Length + 2));
        var instanceOffset = w.Position;
        w.WriteBytes([(byte)label.Length]);
        w.WriteBytes(label);
        w.WriteUInt16(0xC000 | DnsLimits.HeaderLength);

        Span<byte> owner = [(byte)(0xC0 | (instanceOffset >> 8)), (byte)instanceOffset];
        foreach (var t in txt)
        {
            w.WriteRecordHeader(owner, TypeTxt, ttl, (ushort)(1 + t.Length));
            w.WriteBytes([(byte)t.Length]);
            w.WriteBytes(t);
        }
        return buffer;
    }
}
