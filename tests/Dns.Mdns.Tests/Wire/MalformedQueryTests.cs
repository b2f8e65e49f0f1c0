using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Makaretu.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Server;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Wire;

/// <summary>Hostile and broken packets: FORMERR when the header is readable, silence otherwise, never an exception.</summary>
public sealed class MalformedQueryTests : IDisposable
{
    private readonly Meter _meter = new("PluginMesh.dns.mdns.malformed");
    private readonly DnsQueryHandler _handler;

    public MalformedQueryTests()
    {
        var options = DnsOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?>()), isRoot: false, (_, _) => { });
        var metrics = new DnsMetrics(_meter);
        _handler = new DnsQueryHandler(ZoneBuilder.Build(SampleCatalog.Build(), "cluster.local", 5),
            new UpstreamForwarder(options, metrics, TimeProvider.System, NullLogger.Instance), ForwardAdmission.For(options, metrics, TimeProvider.System), metrics, TimeProvider.System);
    }

    public void Dispose() => _meter.Dispose();

    private static byte[] Header(ushort flags = 0x0100, ushort qd = 1, ushort an = 0, ushort ns = 0, ushort ar = 0)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, 0x1234);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), qd);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), an);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), ns);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), ar);
        return header;
    }

    private static readonly byte[] WebQuestion = [.. Name("web.default.svc.cluster.local"), 0, 1, 0, 1];

    private static byte[] Name(string name) =>
        [.. name.Split('.').SelectMany(l => new[] { (byte)l.Length }.Concat(System.Text.Encoding.ASCII.GetBytes(l))), 0];

    public static TheoryData<string, byte[], int?> Cases() => new()
    {
        { "empty", [], null },
        { "five bytes", [1, 2, 3, 4, 5], null },
        { "a response (QR set)", [.. Header(flags: 0x8100), .. WebQuestion], null },
        { "no question", Header(qd: 0), 1 },
        { "two questions", [.. Header(qd: 2), .. WebQuestion, .. WebQuestion], 1 },
        { "question cut short", [.. Header(), .. WebQuestion[..10]], 1 },
        { "type/class missing", [.. Header(), .. Name("web.default.svc.cluster.local")], 1 },
        { "pointer to itself", [.. Header(), 0xC0, 12, 0, 1, 0, 1], 1 },
        { "pointer forward", [.. Header(), 0xC0, 14, 0, 0, 1, 0, 1], 1 },
        { "pointer loop through a label", [.. Header(), 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1], 1 },
        { "extended label type 0x40", [.. Header(), 0x41, (byte)'a', 0, 0, 1, 0, 1], 1 },
        { "label past the end", [.. Header(), 63, (byte)'a', (byte)'b'], 1 },
        { "name over 255 bytes", [.. Header(), .. Enumerable.Repeat<byte[]>([.. new byte[] { 63 }, .. new byte[63]], 5).SelectMany(b => b), 0, 0, 1, 0, 1], 1 },
        { "answer count with no records", [.. Header(an: 3), .. WebQuestion], 1 },
        { "two OPT records", [.. Header(ar: 2), .. WebQuestion, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0], 1 },
        { "OPT with a non-root owner", [.. Header(ar: 1), .. WebQuestion, 1, (byte)'x', 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0], 1 },
        { "OPT rdata past the end", [.. Header(ar: 1), .. WebQuestion, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 9, 1], 1 },
        { "opcode STATUS", [.. Header(flags: 0x1100), .. WebQuestion], 4 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Handle_MalformedQuery_FormErrOrDrop(string description, byte[] packet, int? rcode)
    {
        var response = new byte[DnsQueryHandler.ResponseBufferSize];
        var result = _handler.Handle(packet, response, udp: true, 0, null, out var length, out _);

        if (rcode is null)
        {
            Assert.True(result == QueryResult.Dropped, description);
            Assert.Equal(0, length);
            return;
        }
        Assert.Equal(QueryResult.FormErr, result);
        WireCheck.AssertWellFormedResponse(response.AsSpan(0, length), 0x1234);
        Assert.Equal(rcode, response[3] & 0xF);
    }

    [Fact]
    public void Handle_PointerBackIntoItsOwnLabels_IsFormErr()
    {
        byte[] packet = [.. Header(), 1, (byte)'x', 0xC0, 12, 0, 1, 0, 1];
        var response = new byte[DnsQueryHandler.ResponseBufferSize];
        var result = _handler.Handle(packet, response, udp: true, 0, null, out var length, out _);

        Assert.Equal(QueryResult.FormErr, result);
        WireCheck.AssertWellFormedResponse(response.AsSpan(0, length), 0x1234);
    }

    [Fact]
    public void Handle_LegalBackwardPointer_IsDecompressed()
    {
        // The only bytes before the question are the header: ID 0x0161 reads as the label "a" and
        // the flags' high byte 0 as the root, so "x" + pointer to 0 is the name "x.a".
        byte[] packet = [0x01, 0x61, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'x', 0xC0, 0, 0, 1, 0, 1];
        var response = new byte[DnsQueryHandler.ResponseBufferSize];
        var result = _handler.Handle(packet, response, udp: true, 0, null, out var length, out var query);

        Assert.Equal(QueryResult.Upstream, result); // "x.a" is outside the cluster domain
        Assert.Equal(0, length);
        Assert.Equal(new byte[] { 1, (byte)'x', 1, (byte)'a', 0 }, query.NameSpan.ToArray());
    }

    [Fact]
    public async Task Udp_GarbageBetweenQueries_ServerKeepsAnswering()
    {
        await using var server = await TestDnsServer.StartAsync();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Connect(server.EndPoint);
        var random = new Random(7);
        for (var round = 0; round < 10; round++)
        {
            // Bursts small enough for the socket buffer: a UDP flood beyond it is dropped by the kernel,
            // queries included, and this test is about the parser, not about buffer sizes.
            for (var i = 0; i < 50; i++)
            {
                var junk = new byte[random.Next(0, 300)];
                random.NextBytes(junk);
                if (junk.Length > 2) junk[2] |= 0x80; // responses are dropped silently, so no replies pile up
                socket.Send(junk);
            }
            var response = await DnsClient.UdpAsync(server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A));
            Assert.Equal("10.96.0.10", RecordText.Render(Assert.Single(response.Answers)));
        }
        Assert.True(server.Status.Queries["dropped"] > 0);
    }

    [Fact]
    public async Task Tcp_GarbageFrame_ClosesThatConnectionOnly()
    {
        await using var server = await TestDnsServer.StartAsync();
        byte[] query = [.. Header(qd: 2), .. WebQuestion];
        var responses = await DnsClient.TcpRawAsync(server.EndPoint, [query]);
        Assert.Equal(1, responses[0][3] & 0xF);

        var good = await DnsClient.TcpAsync(server.EndPoint, DnsClient.Query("web.default.svc.cluster.local", DnsType.A));
        Assert.Single(good.Answers);
    }
}
