using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Protocol;

public sealed class RelayCodecTests
{
    [Fact]
    public void Encode_Reserve_WritesTypeZeroOnTheWire()
    {
        // js treats a missing type as malformed; RESERVE is 0, so proto3-style omission would break.
        Assert.Equal(new byte[] { 0x02, 0x08, 0x00 }, RelayCodec.Encode(new HopMessage { Type = HopMessageType.Reserve }));
    }

    [Fact]
    public void Encode_StopConnect_WritesTypeZeroOnTheWire()
    {
        var bytes = RelayCodec.Encode(new StopMessage { Type = StopMessageType.Connect, Peer = new Peer { Id = (byte[])[0x00, 0x01, 0xAA] } });
        Assert.Equal(new byte[] { 0x08, 0x00 }, bytes[1..3]);
    }

    [Fact]
    public async Task ReadAsync_RoundTripsHopStatusWithReservationAndLimit()
    {
        var message = new HopMessage
        {
            Type = HopMessageType.Status,
            Status = Status.Ok,
            Reservation = new Reservation { Expire = 1_800_000_000, Voucher = (byte[])[1, 2, 3] },
            Limit = new Limit { Duration = 120, Data = 131072 },
        };
        message.Reservation.Addrs.Add(Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001").ToBytes());
        var stream = new MemoryStream(RelayCodec.Encode(message));
        var back = await RelayCodec.ReadAsync(stream, HopMessage.Parse, TestCt);
        Assert.Equal(message, back);
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public async Task ReadAsync_StopsExactlyAtTheMessageEnd()
    {
        // After CONNECT the stream is the circuit: bytes past the message belong to the relayed connection.
        var bytes = RelayCodec.Encode(new HopMessage { Type = HopMessageType.Connect }).Concat("/multistream"u8.ToArray()).ToArray();
        var stream = new MemoryStream(bytes);
        await RelayCodec.ReadAsync(stream, HopMessage.Parse, TestCt);
        Assert.Equal(3, stream.Position);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x40 }, "exceeds")]          // 8192 bytes announced
    [InlineData(new byte[] { 0x05, 0x08 }, "truncated")]         // body cut short
    [InlineData(new byte[] { 0x85 }, "length prefix")]           // prefix cut short
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "longer than 5")]
    [InlineData(new byte[] { 0x02, 0x0A, 0x05 }, "malformed protobuf")]
    public async Task ReadAsync_BadInput_ThrowsRelayMessageExceptionWithReason(byte[] input, string reason)
    {
        var e = await Assert.ThrowsAsync<RelayMessageException>(async () => await RelayCodec.ReadAsync(new MemoryStream(input), HopMessage.Parse, TestCt));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_EmptyStream_IsNull()
    {
        Assert.Null(await RelayCodec.ReadAsync(new MemoryStream(), HopMessage.Parse, TestCt));
    }

    [Fact]
    public async Task ReadAsync_RandomInput_OnlyEverParsesOrThrowsRelayMessageException()
    {
        var random = new Random(4242);
        for (var i = 0; i < 5000; i++)
        {
            var input = new byte[random.Next(0, 64)];
            random.NextBytes(input);
            if (input.Length > 0 && random.Next(2) == 0) input[0] = (byte)(input.Length - 1);
            try
            {
                await RelayCodec.ReadAsync(new MemoryStream(input), HopMessage.Parse, TestCt);
                await RelayCodec.ReadAsync(new MemoryStream(input), StopMessage.Parse, TestCt);
            }
            catch (RelayMessageException)
            {
            }
        }
    }

    private static CancellationToken TestCt => TestTimeout.Token();
}
