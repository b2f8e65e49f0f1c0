using Makaretu.Dns;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Wire;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>What we send, read back by an independent codec (Makaretu.Dns).</summary>
public sealed class MdnsMessageWriterTests
{
    private static readonly byte[] Service = DnsNames.ToWire("_p2p._udp.local")!;

    [Fact]
    public void Response_HasJsShape()
    {
        var a1 = $"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}";
        var a2 = $"/ip6/fd00::1/tcp/4001/p2p/{PeerA}";
        var message = new Message();
        message.Read(MdnsMessageWriter.Response(Service, "peername0123456789abcdefghijklmnop", [a1, a2], 120));

        Assert.Equal(0, message.Id);
        Assert.True(message.QR);
        Assert.True(message.AA);
        Assert.Empty(message.Questions);
        Assert.Empty(message.AdditionalRecords);
        var ptr = Assert.IsType<PTRRecord>(message.Answers[0]);
        Assert.Equal("_p2p._udp.local", ptr.Name.ToString());
        Assert.Equal("peername0123456789abcdefghijklmnop._p2p._udp.local", ptr.DomainName.ToString());
        Assert.Equal(TimeSpan.FromSeconds(120), ptr.TTL);
        var txt = message.Answers.Skip(1).Select(Assert.IsType<TXTRecord>).ToList();
        Assert.All(txt, t => Assert.Equal(ptr.DomainName, t.Name));
        Assert.Equal([["dnsaddr=" + a1], ["dnsaddr=" + a2]], txt.Select(t => t.Strings));
    }

    [Fact]
    public void Query_IsOnePtrQuestion()
    {
        var message = new Message();
        message.Read(MdnsMessageWriter.Query(Service));
        Assert.False(message.QR);
        var q = Assert.Single(message.Questions);
        Assert.Equal("_p2p._udp.local", q.Name.ToString());
        Assert.Equal(Makaretu.Dns.DnsType.PTR, q.Type);
    }
}
