using System.Net;
using System.Net.Sockets;
using Makaretu.Dns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>
/// Bounds on forwarding (a random-subdomain flood against an upstream that never answers): a client
/// over its rate and queries beyond the node's upstream slots are answered REFUSED at once, while
/// cluster names, cached names and other clients are still answered.
/// </summary>
[Trait("Category", "Attack")]
public sealed class ForwardLimitsTests
{
    private static readonly IPAddress Flooder = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Neighbour = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task Forward_ClientOverItsRate_RefusedWhileCachedNamesAndOtherClientsAreAnswered()
    {
        // Frozen time: the bucket never refills, so burst = 2 x rate = 10 uncached names, then REFUSED.
        var time = new ManualTimeProvider();
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync([("upstreams:0", upstream.EndPoint.ToString()), ("forwardRatePerClient", "5")], time: time);

        for (var i = 0; i < 10; i++)
        {
            var answered = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query($"n{i}.example", DnsType.A), Flooder);
            Assert.Equal(MessageStatus.NameError, answered.Status);
        }
        var limited = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("n10.example", DnsType.A), Flooder);
        var cached = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("n3.example", DnsType.A), Flooder);
        var cluster = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A), Flooder);
        var neighbour = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A), Neighbour);

        Assert.Equal(MessageStatus.Refused, limited.Status);
        Assert.Equal(MessageStatus.NameError, cached.Status);
        Assert.Equal(SampleCatalog.WebV4.ToString(), RecordText.Render(Assert.Single(cluster.Answers)));
        Assert.Equal("192.0.2.1", RecordText.Render(Assert.Single(neighbour.Answers)));
        Assert.Equal(11, upstream.UdpQueries);
        Assert.Equal(1, server.Status.Queries["limited"]);
    }

    [Fact]
    public async Task Forward_UpstreamNeverAnswers_SlotsBoundedAndClusterNamesStillAnswered()
    {
        // An upstream that takes every query and answers none; frozen time: the slots are never freed by timeouts.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var time = new ManualTimeProvider();
        await using var server = await TestDnsServer.StartAsync(
            [("upstreams:0", blackHole.LocalEndPoint!.ToString()), ("maxConcurrentForwards", "8"), ("forwardRatePerClient", "0")], time: time);

        using var flood = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        flood.Bind(new IPEndPoint(Flooder, 0));
        const int Sent = 200;
        for (var i = 0; i < Sent; i++)
            await flood.SendToAsync(DnsClient.Query($"{Guid.NewGuid():N}.example", DnsType.A).ToByteArray(), server.EndPoint);

        // Every query beyond the eight slots comes back REFUSED, at once.
        var refused = 0;
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (refused < Sent - 8)
        {
            var length = await flood.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            Assert.Equal(MessageStatus.Refused, DnsClient.Parse(buffer.AsSpan(0, length).ToArray()).Status);
            refused++;
        }
        var cluster = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A), Neighbour);

        Assert.Equal(SampleCatalog.WebV4.ToString(), RecordText.Render(Assert.Single(cluster.Answers)));
        Assert.Equal(8, server.Status.ForwardsActive);
        Assert.Equal(Sent - 8, server.Status.Queries["limited"]);
        Assert.Equal(0, flood.Available);
    }
}
