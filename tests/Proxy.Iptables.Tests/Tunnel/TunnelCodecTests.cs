using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Proxy.Iptables.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Tunnel;

public sealed class TunnelCodecTests
{
    public static TheoryData<string, int, TransportProtocol> Headers => new()
    {
        { "10.244.1.7", 8080, TransportProtocol.Tcp },
        { "10.244.1.7", 53, TransportProtocol.Udp },
        { "fd00::1:7", 443, TransportProtocol.Tcp },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task Header_WriteThenRead_RoundTrips(string ip, int port, TransportProtocol protocol)
    {
        var header = new TunnelHeader(protocol, new IPEndPoint(IPAddress.Parse(ip), port));
        var buffer = new byte[32];
        var n = TunnelCodec.WriteHeader(header, buffer);
        var (read, error) = await TunnelCodec.ReadHeaderAsync(new MemoryStream(buffer, 0, n), CancellationToken.None);
        Assert.Equal("", error);
        Assert.Equal(header, read);
    }

    [Fact]
    public void Header_V4_WireBytesAreAsDocumented()
    {
        var buffer = new byte[32];
        var n = TunnelCodec.WriteHeader(new TunnelHeader(TransportProtocol.Udp, new IPEndPoint(IPAddress.Parse("10.0.0.1"), 0x1F90)), buffer);
        Assert.Equal(new byte[] { 9, 1, 1, 4, 10, 0, 0, 1, 0x1F, 0x90 }, buffer[..n]);
    }

    [Theory]
    [InlineData(new byte[] { }, "ended before")]
    [InlineData(new byte[] { 9, 1, 0, 4, 10 }, "truncated")]
    [InlineData(new byte[] { 200 }, "exceeds")]
    [InlineData(new byte[] { 9, 2, 0, 4, 10, 0, 0, 1, 0, 80 }, "version")]
    [InlineData(new byte[] { 9, 1, 7, 4, 10, 0, 0, 1, 0, 80 }, "protocol")]
    [InlineData(new byte[] { 9, 1, 0, 5, 10, 0, 0, 1, 0, 80 }, "family")]
    [InlineData(new byte[] { 9, 1, 0, 6, 10, 0, 0, 1, 0, 80 }, "does not fit")]
    [InlineData(new byte[] { 9, 1, 0, 4, 10, 0, 0, 1, 0, 0 }, "port 0")]
    [InlineData(new byte[] { 2, 1, 0 }, "shorter")]
    public async Task Header_Malformed_GivesNamedError(byte[] bytes, string expected)
    {
        var (header, error) = await TunnelCodec.ReadHeaderAsync(new MemoryStream(bytes), CancellationToken.None);
        Assert.Null(header);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_Fuzz_RandomAndMutatedInput_NeverThrows()
    {
        var rng = new Random(1234);
        var valid = new byte[32];
        var validLength = TunnelCodec.WriteHeader(new TunnelHeader(TransportProtocol.Tcp, new IPEndPoint(IPAddress.Parse("10.1.2.3"), 80)), valid);
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[rng.Next(0, 80)];
                rng.NextBytes(input);
            }
            else
            {
                // Mutations of a valid header reach deeper branches than pure noise.
                input = valid[..(rng.Next(0, validLength + 3))];
                if (input.Length > 0) input[rng.Next(input.Length)] = (byte)rng.Next(256);
            }
            var (header, error) = await TunnelCodec.ReadHeaderAsync(new MemoryStream(input), CancellationToken.None);
            Assert.True(header is not null ^ error.Length > 0);
            if (header is not null) parsed++;
        }
        Assert.True(parsed > 0);
    }

    [Theory]
    [InlineData(TunnelStatus.Ok, "")]
    [InlineData(TunnelStatus.NotAllowed, "target is not an endpoint")]
    [InlineData(TunnelStatus.Refused, "connection refused ✗")]
    public async Task Answer_WriteThenRead_RoundTrips(TunnelStatus status, string reason)
    {
        var ms = new MemoryStream();
        await TunnelCodec.WriteAnswerAsync(ms, status, reason, CancellationToken.None);
        ms.Position = 0;
        Assert.Equal((status, reason), await TunnelCodec.ReadAnswerAsync(ms, CancellationToken.None));
    }

    [Fact]
    public async Task Answer_LongReason_CutOnCharacterBoundary()
    {
        var ms = new MemoryStream();
        await TunnelCodec.WriteAnswerAsync(ms, TunnelStatus.Unreachable, new string('é', 200), CancellationToken.None);
        ms.Position = 0;
        var (_, reason) = await TunnelCodec.ReadAnswerAsync(ms, CancellationToken.None);
        Assert.Equal(new string('é', 127), reason);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 9, 5 })]
    [InlineData(new byte[] { 4, 3, 65 })]
    public async Task Answer_Truncated_OrUnknownStatus_IsBadHeader(byte[] bytes)
    {
        var (status, _) = await TunnelCodec.ReadAnswerAsync(new MemoryStream(bytes), CancellationToken.None);
        Assert.Equal(TunnelStatus.BadHeader, status);
    }

    [Fact]
    public async Task Datagrams_ManySizes_KeepTheirBoundaries()
    {
        var ms = new MemoryStream();
        var sizes = new[] { 0, 1, 512, 1400, 9000, 65535 };
        foreach (var size in sizes) await DatagramFraming.WriteAsync(ms, Enumerable.Repeat((byte)size, size).ToArray(), CancellationToken.None);
        ms.Position = 0;
        var header = new byte[2];
        foreach (var size in sizes)
        {
            var datagram = await DatagramFraming.ReadAsync(ms, header, CancellationToken.None);
            Assert.NotNull(datagram);
            Assert.Equal(size, datagram.Value.Length);
            Assert.All(datagram.Value.Bytes.ToArray(), b => Assert.Equal((byte)size, b));
            datagram.Value.Return();
        }
        Assert.Null(await DatagramFraming.ReadAsync(ms, header, CancellationToken.None));
    }

    [Fact]
    public async Task Datagrams_StreamEndsInsideFrame_Throws()
    {
        await Assert.ThrowsAsync<EndOfStreamException>(async () =>
            await DatagramFraming.ReadAsync(new MemoryStream([0, 10, 1, 2]), new byte[2], CancellationToken.None));
    }
}
