using PluginMesh.P2p;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using PluginMesh.Plugins.Dns.Mdns.Wire;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>Reading packets: js's shape, the spec's shape, goodbyes, and every way to be wrong.</summary>
public sealed class MdnsMessageReaderTests
{
    private const string Name = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly byte[] Service = DnsNames.ToWire(MdnsPackets.Service)!;
    private static readonly string Addr1 = $"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}";
    private static readonly string Addr2 = $"/ip4/127.0.0.1/tcp/4001/p2p/{PeerA}";

    private static MdnsPacket Read(byte[] packet) => MdnsMessageReader.Read(packet, Service);

    [Fact]
    public void Read_JsShapedResponse_GivesPeerAndAddresses()
    {
        var read = Read(MdnsPackets.JsResponse(Name, 120, Addr1, Addr2));
        Assert.Equal(MdnsPacketKind.Announcement, read.Kind);
        var a = read.Announcement!;
        Assert.Equal((Name, PeerA, 120u), (a.PeerName, a.PeerId?.ToString(), a.Ttl));
        Assert.Equal([Addr1, Addr2], a.Addresses.Texts());
    }

    [Fact]
    public void Read_SpecShapedResponse_TxtFromAdditionals()
    {
        var read = Read(MdnsPackets.SpecResponse(Name, 60, Addr1));
        Assert.Equal(MdnsPacketKind.Announcement, read.Kind);
        Assert.Equal([Addr1], read.Announcement!.Addresses.Texts());
        Assert.Equal(60u, read.Announcement.Ttl);
    }

    [Fact]
    public void Read_OurOwnWriter_RoundTrips()
    {
        var packet = MdnsMessageWriter.Response(Service, Name, [Addr1, Addr2], 120);
        var read = Read(packet);
        Assert.Equal(PeerA, read.Announcement!.PeerId?.ToString());
        Assert.Equal(Name, read.Announcement.PeerName);
        Assert.Equal([Addr1, Addr2], read.Announcement.Addresses.Texts());
    }

    [Fact]
    public void Read_Goodbye_HasTtlZero()
    {
        var read = Read(MdnsPackets.JsResponse(Name, 0, Addr1));
        Assert.Equal(0u, read.Announcement!.Ttl);
        Assert.Equal(PeerA, read.Announcement.PeerId?.ToString());
    }

    [Fact]
    public void Read_HugeTtl_IsCapped() => Assert.Equal(MdnsMessageReader.MaxTtl, Read(MdnsPackets.JsResponse(Name, uint.MaxValue, Addr1)).Announcement!.Ttl);

    [Fact]
    public void Read_AddressesOfAnotherPeer_AreIgnored()
    {
        var other = $"/ip4/10.0.0.2/tcp/1/p2p/{PeerB}";
        var read = Read(MdnsPackets.JsResponse(Name, 120, Addr1, other));
        Assert.Equal([Addr1], read.Announcement!.Addresses.Texts());
    }

    [Theory]
    [InlineData("_p2p._udp.local", 12, "Query")]
    [InlineData("_P2P._UDP.LOCAL", 12, "Query")]
    [InlineData("_p2p._udp.local", 16, "Query")]
    [InlineData("_googlecast._tcp.local", 12, "Ignored")]
    public void Read_Query_AnsweredOnlyForOurService(string name, ushort type, string kind) =>
        Assert.Equal(kind, Read(MdnsPackets.Query(name, type)).Kind.ToString());

    public static TheoryData<string, byte[], string, string> Bad() => new()
    {
        { "short", [0, 0, 0x84], "Dropped", "Malformed" },
        { "truncated", MdnsPackets.Truncated(), "Dropped", "Malformed" },
        { "compression loop", MdnsPackets.CompressionLoop(), "Dropped", "Malformed" },
        { "huge txt", MdnsPackets.HugeTxt(), "Dropped", "TooLarge" },
        { "two labels under service", MdnsPackets.JsResponse("a.b", 120, Addr1), "Dropped", "WrongName" },
        { "not a multiaddr", MdnsPackets.JsResponse(Name, 120, "hello world"), "Dropped", "BadAddress" },
        { "no p2p id", MdnsPackets.JsResponse(Name, 120, "/ip4/10.0.0.1/tcp/1"), "Dropped", "BadAddress" },
        { "no txt", MdnsPackets.JsResponse(Name, 120), "Dropped", "BadAddress" },
        { "other service", MdnsPackets.JsResponse(Name, 120, Addr1).Select((b, i) => i == 13 ? (byte)'x' : b).ToArray(), "Ignored", "" },
        { "too many records", [.. MdnsPackets.Header(0x8400, 0, 200, 0, 0)], "Dropped", "TooLarge" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Read_HostileOrForeign_ClassifiedWithReason(string what, byte[] packet, string kind, string reason)
    {
        var read = Read(packet);
        Assert.True(kind == read.Kind.ToString(), $"{what}: {read.Kind}");
        if (read.Kind == MdnsPacketKind.Dropped) Assert.Equal(reason, read.Reason.ToString());
    }
}
