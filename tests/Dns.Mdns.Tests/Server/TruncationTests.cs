using System.Buffers.Binary;
using Makaretu.Dns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Server;

/// <summary>UDP size limits (512 bytes, or the EDNS size capped at 1232), the TC bit, and the TCP retry clients then make.</summary>
public sealed class TruncationTests : IAsyncLifetime
{
    private TestDnsServer _server = null!;

    public async Task InitializeAsync() => _server = await TestDnsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("mid", null, true)]
    [InlineData("mid", (ushort)4096, false)]
    [InlineData("mid", (ushort)512, true)]
    [InlineData("big", (ushort)4096, true)]
    [InlineData("big", null, true)]
    public async Task Udp_LargeHeadlessAnswer_TruncatesBeyondTheClientLimit(string service, ushort? edns, bool truncated)
    {
        var query = DnsClient.Query($"{service}.shop.svc.cluster.local", DnsType.A, edns);
        var raw = await DnsClient.UdpRawAsync(_server.EndPoint, query.ToByteArray());
        var response = DnsClient.Parse(raw);

        Assert.Equal(truncated, response.TC);
        Assert.True(raw.Length <= (edns is null ? 512 : Math.Min(edns.Value, (ushort)1232)), $"{raw.Length} bytes over UDP");
        if (truncated) Assert.Empty(response.Answers);
        else Assert.Equal(SampleCatalog.MidEndpoints, response.Answers.Count);
        Assert.Equal(query.Questions[0].Name, response.Questions.Single().Name);
    }

    [Fact]
    public async Task Tcp_AfterTruncation_ReturnsEveryRecord()
    {
        var udp = await DnsClient.UdpAsync(_server.EndPoint, DnsClient.Query("big.shop.svc.cluster.local", DnsType.A));
        Assert.True(udp.TC);

        var tcp = await DnsClient.TcpAsync(_server.EndPoint, DnsClient.Query("big.shop.svc.cluster.local", DnsType.A));
        Assert.False(tcp.TC);
        Assert.Equal(SampleCatalog.BigEndpoints, tcp.Answers.Count);
    }

    [Fact]
    public async Task Edns_Query_IsAnsweredWithOptAndOurPayloadSize()
    {
        var response = await DnsClient.UdpAsync(_server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A, 4096));
        var opt = Assert.IsType<OPTRecord>(Assert.Single(response.AdditionalRecords));
        Assert.Equal(1232, opt.RequestorPayloadSize);
    }

    [Fact]
    public async Task Edns_NoOptInQuery_NoOptInResponse()
    {
        var response = await DnsClient.UdpAsync(_server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A));
        Assert.Empty(response.AdditionalRecords);
    }

    [Fact]
    public async Task Edns_Version1_IsAnsweredBadVers()
    {
        var query = DnsClient.Query("web.default.svc.cluster.local", DnsType.A, 1232);
        ((OPTRecord)query.AdditionalRecords[0]).Version = 1;
        var raw = await DnsClient.UdpRawAsync(_server.EndPoint, query.ToByteArray());

        // BADVERS is 16: header RCODE 0, upper eight bits (1) in the OPT TTL (RFC 6891 §6.1.3).
        Assert.Equal(0, raw[3] & 0xF);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(raw.AsSpan(10)));
        Assert.Equal(1, raw[^6]);
    }
}
