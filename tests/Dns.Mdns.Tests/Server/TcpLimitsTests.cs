using System.Net.Sockets;
using Makaretu.Dns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>TCP resource limits: idle connections are closed, connections over the cap are refused at accept.</summary>
public sealed class TcpLimitsTests
{
    [Fact]
    public async Task Tcp_IdleClient_IsDisconnected()
    {
        await using var server = await TestDnsServer.StartAsync([("tcpIdleTimeoutMs", "100")]);
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(server.EndPoint);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var read = await client.ReceiveAsync(new byte[16], SocketFlags.None, deadline.Token);
        Assert.Equal(0, read); // orderly close from the server, not our deadline
    }

    [Fact]
    public async Task Tcp_OverConnectionLimit_ClosedWhileTheFirstKeepsWorking()
    {
        await using var server = await TestDnsServer.StartAsync([("maxTcpConnections", "1")]);
        using var first = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(server.EndPoint);
        await ExchangeAsync(first); // the first connection is now being served

        using var second = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(server.EndPoint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal(0, await second.ReceiveAsync(new byte[16], SocketFlags.None, deadline.Token));

        await ExchangeAsync(first);
    }

    private static async Task ExchangeAsync(Socket socket)
    {
        var query = DnsClient.Query("web.default.svc.cluster.local", DnsType.A).ToByteArray();
        await socket.SendAsync((byte[])[(byte)(query.Length >> 8), (byte)query.Length, .. query], SocketFlags.None);
        var buffer = new byte[512];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var read = 0;
        while (read < 2 || read < 2 + ((buffer[0] << 8) | buffer[1]))
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, deadline.Token);
            Assert.NotEqual(0, n);
            read += n;
        }
        var response = DnsClient.Parse(buffer[2..read]);
        Assert.Equal("10.96.0.10", RecordText.Render(Assert.Single(response.Answers)));
    }
}
