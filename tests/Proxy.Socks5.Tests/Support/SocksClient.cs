using System.Text;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

/// <summary>A SOCKS5 client written from RFC 1928/1929 for the tests that need the raw reply codes.</summary>
internal static class SocksClient
{
    /// <summary>ATYP 3 (domain) CONNECT request bytes.</summary>
    public static byte[] Connect(string host, int port, byte command = 1)
    {
        var name = Encoding.ASCII.GetBytes(host);
        return [5, command, 0, 3, (byte)name.Length, .. name, (byte)(port >> 8), (byte)port];
    }

    /// <summary>ATYP 1 or 4 CONNECT request bytes.</summary>
    public static byte[] Connect(IPAddress address, int port) =>
        [5, 1, 0, address.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)4, .. address.GetAddressBytes(), (byte)(port >> 8), (byte)port];

    /// <summary>Connects, offers no authentication (or username/password when given), sends <paramref name="request"/>, returns the REP byte and the open socket.</summary>
    public static async Task<(byte Reply, Socket Socket)> RequestAsync(IPEndPoint proxy, byte[] request, (string User, string Password)? login = null)
    {
        var ct = TestTimeout.Token();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(proxy, ct);
        await SendAsync(socket, login is null ? [5, 1, 0] : [5, 1, 2]);
        var method = await ReceiveAsync(socket, 2);
        Assert.Equal(login is null ? 0 : 2, method[1]);
        if (login is { } l)
        {
            var u = Encoding.UTF8.GetBytes(l.User);
            var p = Encoding.UTF8.GetBytes(l.Password);
            await SendAsync(socket, [1, (byte)u.Length, .. u, (byte)p.Length, .. p]);
            var status = await ReceiveAsync(socket, 2);
            if (status[1] != 0) return (0xFF, socket);
        }
        await SendAsync(socket, request);
        var reply = await ReceiveAsync(socket, 10);
        return (reply[1], socket);
    }

    public static async Task SendAsync(Socket socket, byte[] data) => await socket.SendAsync(data, SocketFlags.None, TestTimeout.Token());

    public static async Task<byte[]> ReceiveAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, TestTimeout.Token());
            if (n == 0) throw new EndOfStreamException($"the proxy closed after {read} of {count} bytes");
            read += n;
        }
        return buffer;
    }

    /// <summary>Reads until the proxy closes (end of stream or reset); returns what arrived.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        var all = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, TestTimeout.Token());
                if (n == 0) break;
                all.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        return [.. all];
    }
}
