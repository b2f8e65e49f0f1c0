using System.Net;

namespace PluginMesh.Demo.Tests;

public sealed class DnsProbeTests
{
    [Fact]
    public void Parse_AnswerToItsOwnQuery_GivesAddressesAndRcode()
    {
        var query = DnsProbe.BuildQuery(0x1234, "web.demo.svc.cluster.local");
        // The question echoed back with one compressed A answer (as a server writes it).
        var answer = query.ToList();
        answer[2] = 0x81;
        answer[3] = 0x80;
        answer[7] = 1;
        answer.AddRange([0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 96, 0, 10]);
        var (addresses, rcode) = DnsProbe.Parse([.. answer]);
        Assert.Equal("NOERROR", rcode);
        Assert.Equal([IPAddress.Parse("10.96.0.10")], addresses);

        query[3] = 0x83; // NXDOMAIN, no answers
        Assert.Equal("NXDOMAIN", DnsProbe.Parse(query).Item2);
        Assert.Throws<ArgumentException>(() => DnsProbe.BuildQuery(1, "bad..name"));
    }
}
