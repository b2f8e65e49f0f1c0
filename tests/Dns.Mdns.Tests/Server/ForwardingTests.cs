using System.Net;
using System.Net.Sockets;
using Makaretu.Dns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>Names outside the cluster domain: forwarding to a fake upstream on 127.0.0.1, caching, TCP on truncation, failover.</summary>
public sealed class ForwardingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Forward_ExternalName_AnswersFromUpstreamThenFromCache(bool tcp)
    {
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync([("upstreams:0", upstream.EndPoint.ToString())]);

        var first = await DnsClient.SendAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A), tcp);
        var second = await DnsClient.SendAsync(server.EndPoint, DnsClient.Query("WWW.Example", DnsType.A), tcp);

        Assert.Equal(MessageStatus.NoError, first.Status);
        Assert.Equal("192.0.2.1", RecordText.Render(Assert.Single(first.Answers)));
        Assert.False(first.AA); // forwarded answers are not ours
        Assert.True(first.RA);
        Assert.Equal("192.0.2.1", RecordText.Render(Assert.Single(second.Answers)));
        Assert.Equal("WWW.Example", second.Questions.Single().Name.ToString());
        Assert.Equal(1, upstream.UdpQueries);
        Assert.Equal(1, server.Metrics.CacheHits);
        Assert.Equal(2, server.Status.Queries["forwarded"]);
    }

    [Fact]
    public async Task Forward_NxDomain_IsCachedNegativelyWithTheSoaTtl()
    {
        var time = new ManualTimeProvider();
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync([("upstreams:0", upstream.EndPoint.ToString())], time: time);

        var first = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("missing.example", DnsType.A));
        time.Advance(TimeSpan.FromSeconds(10));
        var cached = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("missing.example", DnsType.A));
        time.Advance(FakeUpstream.NegativeTtl);
        var expired = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("missing.example", DnsType.A));

        Assert.Equal(MessageStatus.NameError, first.Status);
        Assert.Equal(MessageStatus.NameError, cached.Status);
        // The SOA's own TTL (3600) is clamped to the negative TTL (30) and counts down while cached.
        Assert.Equal(FakeUpstream.NegativeTtl, Assert.Single(first.AuthorityRecords).TTL);
        Assert.Equal(FakeUpstream.NegativeTtl - TimeSpan.FromSeconds(10), Assert.Single(cached.AuthorityRecords).TTL);
        Assert.Equal(MessageStatus.NameError, expired.Status);
        Assert.Equal(2, upstream.UdpQueries);
    }

    [Fact]
    public async Task Forward_PositiveAnswer_TtlCountsDownAndExpires()
    {
        var time = new ManualTimeProvider();
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync([("upstreams:0", upstream.EndPoint.ToString())], time: time);

        await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A));
        time.Advance(TimeSpan.FromSeconds(25));
        var aged = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A));
        time.Advance(TimeSpan.FromSeconds(40));
        await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A));

        Assert.Equal(TimeSpan.FromSeconds(35), Assert.Single(aged.Answers).TTL);
        Assert.Equal(2, upstream.UdpQueries);
    }

    [Fact]
    public async Task Forward_UpstreamTruncates_RetriesOverTcpAndClientRetriesFromCache()
    {
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync([("upstreams:0", upstream.EndPoint.ToString())]);

        var udp = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query(FakeUpstream.BigName, DnsType.A));
        var tcp = await DnsClient.TcpAsync(server.EndPoint, DnsClient.Query(FakeUpstream.BigName, DnsType.A));

        Assert.True(udp.TC);
        Assert.Empty(udp.Answers);
        Assert.False(tcp.TC);
        Assert.Equal(FakeUpstream.BigCount, tcp.Answers.Count);
        Assert.Equal(1, upstream.UdpQueries);
        Assert.Equal(1, upstream.TcpQueries);
        Assert.Equal(1, server.Metrics.CacheHits);
    }

    [Fact]
    public async Task Forward_FirstUpstreamSilent_FailsOverToTheNext()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync(
        [
            ("upstreams:0", silent.LocalEndPoint!.ToString()),
            ("upstreams:1", upstream.EndPoint.ToString()),
            ("upstreamTimeoutMs", "200"),
        ]);

        var response = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A));

        Assert.Equal(MessageStatus.NoError, response.Status);
        Assert.Single(response.Answers);
    }

    [Fact]
    public async Task Forward_ServFailThenRefusedPort_AllFail_AnswersServFail()
    {
        await using var failing = new FakeUpstream(serverFailure: true);
        int closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        await using var server = await TestDnsServer.StartAsync(
        [
            ("upstreams:0", failing.EndPoint.ToString()),
            ("upstreams:1", $"127.0.0.1:{closedPort}"),
            ("upstreamTimeoutMs", "500"),
        ]);

        var response = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A));

        Assert.Equal(MessageStatus.ServerFailure, response.Status);
        Assert.Equal(1, failing.UdpQueries);
        Assert.Equal(1, server.Status.Queries["servfail"]);
    }

    [Fact]
    public async Task Forward_IdenticalQueriesInFlight_ShareOneUpstreamExchange()
    {
        await using var upstream = new FakeUpstream();
        await using var server = await TestDnsServer.StartAsync([("upstreams:0", upstream.EndPoint.ToString())]);

        var queries = Enumerable.Range(0, 8).Select(_ => DnsClient.UdpAsync(server.EndPoint, DnsClient.Query(FakeUpstream.SlowName, DnsType.A))).ToList();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            // Wait (no time limit asserted) until the first query is upstream and the other 7 wait on it.
            while (upstream.UdpQueries < 1 || server.Handler.Forwarder.Waiters < 7) await Task.Delay(10, deadline.Token);
        }
        upstream.SlowGate.SetResult();
        var responses = await Task.WhenAll(queries);

        Assert.All(responses, r => Assert.Equal("192.0.2.99", RecordText.Render(Assert.Single(r.Answers))));
        Assert.Equal(1, upstream.UdpQueries);
        Assert.Equal(0, server.Handler.Forwarder.CacheCount); // TTL 0: shared while in flight, never cached
    }

    [Fact]
    public async Task Forward_NoUpstreams_AnswersServFail()
    {
        await using var server = await TestDnsServer.StartAsync();
        var response = await DnsClient.TcpAsync(server.EndPoint, DnsClient.Query("www.example", DnsType.A));
        Assert.Equal(MessageStatus.ServerFailure, response.Status);
        Assert.Empty(server.Status.Upstreams);
    }

    [Fact]
    public async Task Forward_UpstreamsFromResolvConf_SkipOurOwnAddress()
    {
        await using var upstream = new FakeUpstream();
        var path = Path.Combine(Path.GetTempPath(), $"pm-dns-resolv-{Guid.NewGuid():N}.conf");
        // The fake listens on a port other than 53, so resolv.conf cannot point at it; the config
        // reading and the loop guard are checked here, the forwarding itself above.
        await File.WriteAllTextAsync(path, "# test\nsearch svc.cluster.local\nnameserver 127.0.0.1\nnameserver 192.0.2.53\noptions ndots:5\n");
        try
        {
            await using var server = await TestDnsServer.StartAsync([("resolvConf", path), ("listen:0", "127.0.0.1:0")]);
            Assert.Equal(["127.0.0.1:53", "192.0.2.53:53"], server.Status.Upstreams);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
