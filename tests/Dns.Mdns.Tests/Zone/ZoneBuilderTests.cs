using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Server;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using PluginMesh.Plugins.Dns.Mdns.Wire;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Zone;

/// <summary>Index building edge cases and the name helpers it relies on.</summary>
public sealed class ZoneBuilderTests
{
    [Fact]
    public void Build_HeadlessWithThousandsOfEndpoints_AnswerStillFitsOneTcpMessage()
    {
        var key = new ServiceKey("shop", "huge");
        var endpoints = Enumerable.Range(0, 6000)
            .Select(i => new MeshEndpoint(IPAddress.Parse($"10.{3 + i / 65536}.{i / 256 % 256}.{i % 256}"), "n", true, [])).ToArray();
        var snapshot = new CatalogSnapshot(1,
            new Dictionary<ServiceKey, MeshService> { [key] = new(key, [], [], Headless: true) },
            new Dictionary<ServiceKey, ServiceEndpoints> { [key] = new(key, endpoints) },
            new Dictionary<string, MeshNode>());
        using var meter = new Meter("PluginMesh.dns.mdns.zone");
        var options = DnsOptions.Read(DictionaryConfiguration.Of(), isRoot: false, (_, _) => { });
        var metrics = new DnsMetrics(meter);
        var handler = new DnsQueryHandler(ZoneBuilder.Build(snapshot, "cluster.local", 5),
            new UpstreamForwarder(options, metrics, TimeProvider.System, NullLogger.Instance), ForwardAdmission.For(options, metrics, TimeProvider.System), metrics, TimeProvider.System);

        var query = DnsClient.Query("huge.shop.svc.cluster.local", Makaretu.Dns.DnsType.A, 4096).ToByteArray();
        var response = new byte[DnsQueryHandler.ResponseBufferSize];
        var result = handler.Handle(query, response, udp: false, 0, null, out var length, out _);

        Assert.Equal(QueryResult.Answer, result);
        WireCheck.AssertWellFormedResponse(response.AsSpan(0, length), BitConverter.ToUInt16([query[1], query[0]]));
        var answers = DnsClient.Parse(response[..length]).Answers.Count;
        Assert.InRange(answers, 4000, 5999); // cut to what fits, never an oversize message
    }

    [Theory]
    [InlineData("web.default.svc.cluster.local", true)]
    [InlineData("WEB.default.", true)]
    [InlineData("a-b.c", true)]
    [InlineData("-a.c", false)]
    [InlineData("a-.c", false)]
    [InlineData("a..c", false)]
    [InlineData("a_b.c", false)]
    [InlineData("", false)]
    public void IsValidHostName_FollowsLdhRules(string name, bool valid) => Assert.Equal(valid, DnsNames.IsValidHostName(name));

    [Theory]
    [InlineData("10.96.0.10", "10.0.96.10.in-addr.arpa")]
    [InlineData("fd00::10", "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa")]
    public void ReverseName_MatchesTheArpaTrees(string address, string expected) =>
        Assert.Equal(expected, DnsNames.ReverseName(IPAddress.Parse(address)));

    [Fact]
    public void ToWire_LowercasesAndRoundTrips()
    {
        var wire = DnsNames.ToWire("Web.Default.")!;
        Assert.Equal(new byte[] { 3, (byte)'w', (byte)'e', (byte)'b', 7, (byte)'d', (byte)'e', (byte)'f', (byte)'a', (byte)'u', (byte)'l', (byte)'t', 0 }, wire);
        Assert.Equal("web.default", DnsNames.ToText(wire));
        Assert.Null(DnsNames.ToWire(new string('a', 64) + ".local"));
        Assert.True(DnsNames.IsAtOrBelow(DnsNames.ToWire("x.cluster.local"), DnsNames.ToWire("cluster.local")));
        Assert.False(DnsNames.IsAtOrBelow(DnsNames.ToWire("xcluster.local"), DnsNames.ToWire("cluster.local")));
    }
}
