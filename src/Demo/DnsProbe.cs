using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Demo;

/// <summary>
/// One DNS A-record question over UDP, for the demo's "does the name resolve" step. Deliberately
/// tiny (one question, A records only): the real DNS code lives in the dns.mdns plugin, which the
/// host must not reference.
/// </summary>
internal static class DnsProbe
{
    /// <summary>The A records answered for <paramref name="name"/>, or the response code's name when there are none.</summary>
    /// <remarks><paramref name="udp"/> is a UDP socket (made in the client's namespace, if any); disposed here.</remarks>
    public static async Task<(IReadOnlyList<IPAddress> Addresses, string Rcode)> QueryAsync(Socket udp, IPEndPoint server, string name, CancellationToken ct)
    {
        using var _ = udp;
        var id = (ushort)Random.Shared.Next(ushort.MaxValue);
        await udp.ConnectAsync(server, ct);
        await udp.SendAsync(BuildQuery(id, name), ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var buffer = new byte[1500];
        while (true)
        {
            var n = await udp.ReceiveAsync(buffer, timeout.Token);
            if (n >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id) return Parse(buffer[..n]);
        }
    }

    internal static byte[] BuildQuery(ushort id, string name)
    {
        var message = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x01; // RD
        header[5] = 1;    // QDCOUNT
        message.AddRange(header.ToArray());
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length is 0 or > 63) throw new ArgumentException($"'{name}' is not a DNS name", nameof(name));
            message.Add((byte)bytes.Length);
            message.AddRange(bytes);
        }
        message.AddRange([0, 0, 1, 0, 1]); // root, QTYPE A, QCLASS IN
        return [.. message];
    }

    internal static (IReadOnlyList<IPAddress>, string) Parse(byte[] m)
    {
        var rcode = (m[3] & 0x0F) switch { 0 => "NOERROR", 1 => "FORMERR", 2 => "SERVFAIL", 3 => "NXDOMAIN", 5 => "REFUSED", var c => "RCODE" + c };
        int questions = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(4)), answers = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(6));
        var at = 12;
        for (var i = 0; i < questions; i++) at = SkipName(m, at) + 4;
        var result = new List<IPAddress>();
        for (var i = 0; i < answers && at < m.Length; i++)
        {
            at = SkipName(m, at);
            if (at + 10 > m.Length) break;
            var type = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(at));
            var length = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(at + 8));
            at += 10;
            if (at + length > m.Length) break;
            if (type == 1 && length == 4) result.Add(new IPAddress(m.AsSpan(at, 4)));
            at += length;
        }
        return (result, result.Count == 0 && rcode == "NOERROR" ? "NODATA" : rcode);
    }

    private static int SkipName(byte[] m, int at)
    {
        while (at < m.Length)
        {
            var length = m[at];
            if (length == 0) return at + 1;
            if ((length & 0xC0) == 0xC0) return at + 2;
            at += length + 1;
        }
        return at;
    }
}
