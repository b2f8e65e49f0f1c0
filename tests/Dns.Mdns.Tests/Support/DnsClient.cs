using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Makaretu.Dns;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>A plain DNS client over real sockets; messages are built and read with Makaretu.Dns, not with our codec.</summary>
public static class DnsClient
{
    /// <summary>Generous upper bound so a broken server fails the test instead of hanging it.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static Message Query(string name, DnsType type, ushort? ednsSize = null)
    {
        var message = new Message { Id = (ushort)Random.Shared.Next(1, 65535), RD = true };
        message.Questions.Add(new Question { Name = name, Type = type, Class = DnsClass.IN });
        if (ednsSize is { } size) message.AdditionalRecords.Add(new OPTRecord { RequestorPayloadSize = size });
        return message;
    }

    public static async Task<Message> UdpAsync(IPEndPoint server, Message query, IPAddress? from = null) => Parse(await UdpRawAsync(server, query.ToByteArray(), from));

    public static async Task<Message> TcpAsync(IPEndPoint server, Message query) => Parse((await TcpRawAsync(server, [query.ToByteArray()]))[0]);

    public static Task<Message> SendAsync(IPEndPoint server, Message query, bool tcp) => tcp ? TcpAsync(server, query) : UdpAsync(server, query);

    /// <param name="from">Source address to send from (any 127.x address works on loopback), or null for the default.</param>
    public static async Task<byte[]> UdpRawAsync(IPEndPoint server, byte[] request, IPAddress? from = null)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(server);
        await socket.SendAsync(request);
        var buffer = new byte[65535];
        using var cts = new CancellationTokenSource(Deadline);
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Sends every request on one connection, then reads as many responses.</summary>
    public static async Task<List<byte[]>> TcpRawAsync(IPEndPoint server, IReadOnlyList<byte[]> requests)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(Deadline);
        await socket.ConnectAsync(server, cts.Token);
        foreach (var request in requests)
        {
            var framed = new byte[request.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)request.Length);
            request.CopyTo(framed, 2);
            await socket.SendAsync(framed, SocketFlags.None, cts.Token);
        }
        var responses = new List<byte[]>();
        for (var i = 0; i < requests.Count; i++)
        {
            var header = new byte[2];
            await ReadExactlyAsync(socket, header, cts.Token);
            var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header)];
            await ReadExactlyAsync(socket, body, cts.Token);
            responses.Add(body);
        }
        return responses;
    }

    public static Message Parse(byte[] bytes)
    {
        var message = new Message();
        message.Read(bytes, 0, bytes.Length);
        return message;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            if (n == 0) throw new IOException("server closed the connection");
            read += n;
        }
    }
}
