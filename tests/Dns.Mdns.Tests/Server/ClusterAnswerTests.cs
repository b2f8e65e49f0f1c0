using Makaretu.Dns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>The authoritative half over real UDP and TCP sockets: a table of questions and the answers pods must get.</summary>
public sealed class ClusterAnswerTests : IAsyncLifetime
{
    private TestDnsServer _server = null!;

    public async Task InitializeAsync() => _server = await TestDnsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>name, type, expected rcode, expected answer data (sorted, as text), whether the SOA must be in authority.</summary>
    public static TheoryData<string, DnsType, MessageStatus, string[], bool, bool> Table()
    {
        var data = new TheoryData<string, DnsType, MessageStatus, string[], bool, bool>();
        foreach (var tcp in new[] { false, true })
        {
            data.Add("web.default.svc.cluster.local", DnsType.A, MessageStatus.NoError, ["10.96.0.10"], false, tcp);
            data.Add("WEB.Default.SVC.cluster.LOCAL", DnsType.A, MessageStatus.NoError, ["10.96.0.10"], false, tcp);
            data.Add("web.default.svc.cluster.local", DnsType.AAAA, MessageStatus.NoError, ["fd00::10"], false, tcp);
            data.Add("web.default.svc.cluster.local", DnsType.TXT, MessageStatus.NoError, [], true, tcp);
            data.Add("nope.default.svc.cluster.local", DnsType.A, MessageStatus.NameError, [], true, tcp);
            data.Add("web.nope.svc.cluster.local", DnsType.A, MessageStatus.NameError, [], true, tcp);
            data.Add("foo.cluster.local", DnsType.A, MessageStatus.NameError, [], true, tcp);
            data.Add("default.svc.cluster.local", DnsType.A, MessageStatus.NoError, [], true, tcp);
            data.Add("svc.cluster.local", DnsType.A, MessageStatus.NoError, [], true, tcp);
            data.Add("cluster.local", DnsType.SOA, MessageStatus.NoError, ["ns.dns.cluster.local"], false, tcp);
            data.Add("_http._tcp.web.default.svc.cluster.local", DnsType.SRV, MessageStatus.NoError, ["0 100 80 web.default.svc.cluster.local"], false, tcp);
            data.Add("_dns._udp.web.default.svc.cluster.local", DnsType.SRV, MessageStatus.NoError, ["0 100 53 web.default.svc.cluster.local"], false, tcp);
            data.Add("_http._udp.web.default.svc.cluster.local", DnsType.SRV, MessageStatus.NameError, [], true, tcp);
            data.Add("_tcp.web.default.svc.cluster.local", DnsType.SRV, MessageStatus.NoError, [], true, tcp);
            data.Add("db.shop.svc.cluster.local", DnsType.A, MessageStatus.NoError, ["10.1.0.5", "10.1.0.6"], false, tcp);
            data.Add("db-0.db.shop.svc.cluster.local", DnsType.A, MessageStatus.NoError, ["10.1.0.5"], false, tcp);
            data.Add("db-2.db.shop.svc.cluster.local", DnsType.A, MessageStatus.NameError, [], true, tcp);
            data.Add("_pg._tcp.db.shop.svc.cluster.local", DnsType.SRV, MessageStatus.NoError,
                ["0 50 15432 db-0.db.shop.svc.cluster.local", "0 50 15432 db-1.db.shop.svc.cluster.local"], false, tcp);
            data.Add("10-2-2-7.mid.shop.svc.cluster.local", DnsType.A, MessageStatus.NoError, ["10.2.2.7"], false, tcp);
            data.Add("v6only.shop.svc.cluster.local", DnsType.A, MessageStatus.NoError, [], true, tcp);
            data.Add("v6only.shop.svc.cluster.local", DnsType.AAAA, MessageStatus.NoError, ["fd00::20"], false, tcp);
            data.Add("10.0.96.10.in-addr.arpa", DnsType.PTR, MessageStatus.NoError, ["web.default.svc.cluster.local"], false, tcp);
            data.Add("0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", DnsType.PTR, MessageStatus.NoError, ["web.default.svc.cluster.local"], false, tcp);
            data.Add("5.0.1.10.in-addr.arpa", DnsType.PTR, MessageStatus.NoError, ["db-0.db.shop.svc.cluster.local"], false, tcp);
            data.Add("10.0.96.10.in-addr.arpa", DnsType.A, MessageStatus.NoError, [], false, tcp);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Query_ClusterName_AnswersAuthoritatively(string name, DnsType type, MessageStatus status, string[] expected, bool soa, bool tcp)
    {
        var query = DnsClient.Query(name, type);
        var response = await DnsClient.SendAsync(_server.EndPoint, query, tcp);

        Assert.Equal(query.Id, response.Id);
        Assert.True(response.QR);
        Assert.True(response.AA);
        Assert.False(response.TC);
        Assert.Equal(status, response.Status);
        Assert.Equal(name, response.Questions.Single().Name.ToString()); // case echoed as sent
        var answers = response.Answers.Select(RecordText.Render).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, answers);
        Assert.All(response.Answers, a => Assert.Equal(TimeSpan.FromSeconds(5), a.TTL));
        if (soa)
        {
            var record = Assert.IsType<SOARecord>(Assert.Single(response.AuthorityRecords));
            Assert.Equal("cluster.local", record.Name.ToString());
            Assert.Equal(TimeSpan.FromSeconds(5), record.Minimum);
        }
        else
        {
            Assert.Empty(response.AuthorityRecords);
        }
    }

    [Fact]
    public async Task Query_TypeAny_ReturnsEveryRecordOfTheName()
    {
        var response = await DnsClient.UdpAsync(_server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.ANY));
        Assert.Equal(["10.96.0.10", "fd00::10"], response.Answers.Select(RecordText.Render).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Query_SeveralOnOneTcpConnection_AnswersEachInOrder()
    {
        var queries = new[] { "web.default.svc.cluster.local", "db.shop.svc.cluster.local", "nope.shop.svc.cluster.local" }
            .Select(n => DnsClient.Query(n, DnsType.A)).ToList();
        var responses = (await DnsClient.TcpRawAsync(_server.EndPoint, queries.Select(q => q.ToByteArray()).ToList())).Select(DnsClient.Parse).ToList();
        Assert.Equal(queries.Select(q => q.Id), responses.Select(r => r.Id));
        Assert.Equal([MessageStatus.NoError, MessageStatus.NoError, MessageStatus.NameError], responses.Select(r => r.Status));
    }

    [Fact]
    public async Task Status_CountsResults()
    {
        await DnsClient.UdpAsync(_server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A));
        await DnsClient.UdpAsync(_server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.TXT));
        await DnsClient.TcpAsync(_server.EndPoint, DnsClient.Query("x.default.svc.cluster.local", DnsType.A));

        var status = _server.Status;
        Assert.Equal("cluster.local", status.ClusterDomain);
        Assert.Equal([_server.EndPoint.ToString()], status.Listen);
        Assert.Equal(1, status.Queries["answer"]);
        Assert.Equal(1, status.Queries["nodata"]);
        Assert.Equal(1, status.Queries["nxdomain"]);
        Assert.Equal(1, status.CatalogVersion);
    }
}
