using System.Net;
using Makaretu.Dns;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Dns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>The index follows <see cref="IServiceCatalog.Changed"/>: the next query after a publish sees the change.</summary>
public sealed class CatalogChangeTests
{
    private static readonly MeshService Api = new(new ServiceKey("shop", "api"), [IPAddress.Parse("10.96.5.5")], [new ServicePort("grpc", 9000, TransportProtocol.Tcp, 9000)]);

    [Fact]
    public async Task Publish_AddThenRemoveService_VisibleOnTheNextQuery()
    {
        await using var server = await TestDnsServer.StartAsync();
        var before = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("api.shop.svc.cluster.local", DnsType.A));

        server.Catalog.Publish(SampleCatalog.Build(2, Api));
        var added = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("api.shop.svc.cluster.local", DnsType.A));
        var srv = await DnsClient.TcpAsync(server.EndPoint, DnsClient.Query("_grpc._tcp.api.shop.svc.cluster.local", DnsType.SRV));

        server.Catalog.Publish(SampleCatalog.Build(3));
        var removed = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("api.shop.svc.cluster.local", DnsType.A));

        Assert.Equal(MessageStatus.NameError, before.Status);
        Assert.Equal("10.96.5.5", RecordText.Render(Assert.Single(added.Answers)));
        Assert.Equal("0 100 9000 api.shop.svc.cluster.local", RecordText.Render(Assert.Single(srv.Answers)));
        Assert.Equal(MessageStatus.NameError, removed.Status);
        Assert.Equal(3, server.Status.CatalogVersion);
    }

    [Fact]
    public async Task Publish_OlderSnapshotAfterNewer_IsIgnored()
    {
        await using var server = await TestDnsServer.StartAsync();
        server.Catalog.Publish(SampleCatalog.Build(5, Api));
        server.Catalog.Publish(SampleCatalog.Build(4));

        var response = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("api.shop.svc.cluster.local", DnsType.A));
        Assert.Single(response.Answers);
        Assert.Equal(5, server.Status.CatalogVersion);
    }

    [Theory]
    [InlineData("web.default.svc.cluster.local", false, DnsOutcome.Answer, "10.96.0.10")]
    [InlineData("web.default.svc.cluster.local.", true, DnsOutcome.Answer, "fd00::10")]
    [InlineData("web.default", false, DnsOutcome.Answer, "10.96.0.10")]
    [InlineData("db.shop", false, DnsOutcome.Answer, "10.1.0.5,10.1.0.6")]
    [InlineData("v6only.shop.svc.cluster.local", false, DnsOutcome.NoData, "")]
    [InlineData("nope.shop.svc.cluster.local", false, DnsOutcome.NameError, "")]
    [InlineData("www.example.com", false, DnsOutcome.NotAuthoritative, "")]
    public async Task Lookup_InProcess_MatchesWhatTheWireServes(string name, bool ipv6, DnsOutcome outcome, string addresses)
    {
        await using var server = await TestDnsServer.StartAsync();
        IDnsResponder responder = server.Responder;

        var lookup = responder.Lookup(name, ipv6);

        Assert.Equal(outcome, lookup.Outcome);
        Assert.Equal(addresses, string.Join(",", lookup.Addresses.Select(a => a.ToString()).Order(StringComparer.Ordinal)));
        Assert.Equal("cluster.local", responder.ClusterDomain);
        Assert.Equal(server.EndPoint, Assert.Single(responder.ListenEndpoints));
    }
}
