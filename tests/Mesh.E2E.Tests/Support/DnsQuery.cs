using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>A plain UDP DNS A query, as a pod's resolver sends it (written here so the agent's codec is not testing itself).</summary>
internal static class DnsQuery
{
    /// <summary>Asks <paramref name="server"/> for the A records of <paramref name="name"/> from a socket in <paramref name="sockets"/>' namespace.</summary>
    public static async Task<(int Rcode, IReadOnlyList<IPAddress> Addresses)> AAsync(NetnsSockets sockets, IPEndPoint server, string name, TimeSpan? timeout = null)
    {
        var id = (ushort)Random.Shared.Next(1, 65535);
        var query = new List<byte>(64);
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x01; // RD
        header[5] = 1;    // QDCOUNT
        query.AddRange(header);
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }
        query.AddRange(new byte[] { 0, 0, 1, 0, 1 }); // root, QTYPE A, QCLASS IN

        using var socket = sockets.Udp();
        await socket.ConnectAsync(server);
        await socket.SendAsync(query.ToArray());
        var buffer = new byte[1500];
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        int n;
        do
        {
            n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        }
        while (n < 12 || BinaryPrimitives.ReadUInt16BigEndian(buffer) != id);
        return Parse(buffer.AsSpan(0, n));
    }

    private static (int Rcode, IReadOnlyList<IPAddress> Addresses) Parse(ReadOnlySpan<byte> m)
    {
        var rcode = m[3] & 0x0F;
        var qd = BinaryPrimitives.ReadUInt16BigEndian(m[4..]);
        var an = BinaryPrimitives.ReadUInt16BigEndian(m[6..]);
        var pos = 12;
        for (var i = 0; i < qd; i++) pos = SkipName(m, pos) + 4;
        var result = new List<IPAddress>();
        for (var i = 0; i < an; i++)
        {
            pos = SkipName(m, pos);
            var type = BinaryPrimitives.ReadUInt16BigEndian(m[pos..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(m[(pos + 8)..]);
            pos += 10;
            if (type == 1 && length == 4) result.Add(new IPAddress(m.Slice(pos, 4)));
            pos += length;
        }
        return (rcode, result);
    }

    private static int SkipName(ReadOnlySpan<byte> m, int pos)
    {
        while (true)
        {
            var len = m[pos];
            if (len == 0) return pos + 1;
            if ((len & 0xC0) == 0xC0) return pos + 2;
            pos += len + 1;
        }
    }
}
