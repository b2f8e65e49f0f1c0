using System.Net.Sockets;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>Hand-written frames against a session: strict spots of the wire protocol.</summary>
public sealed class YamuxWireTests
{
    public static TheoryData<string, string> Violations => new()
    {
        { Frame(YamuxFrameType.Data, YamuxFlags.None, 0, 0), "stream 0" },
        { Frame(YamuxFrameType.Ping, YamuxFlags.Fin, 0, 1), "ping with flags" },
        { Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 2, 0), "wrong parity" },
        { "01" + Frame(YamuxFrameType.Data, YamuxFlags.None, 1, 0)[2..], "version" },
        { Frame((YamuxFrameType)9, YamuxFlags.None, 1, 0), "frame type" },
        { Frame(YamuxFrameType.Data, YamuxFlags.Syn, 1, 300_000), "receive window" },
        { Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0) + Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0), "duplicate SYN" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task ProtocolViolation_ClosesWithReasonAndGoAwayProtocolError(string hex, string reasonFragment)
    {
        var (raw, b) = await SocketPair.StreamsAsync();
        await using var session = new YamuxSession(b, isClient: false, new YamuxOptions { KeepAliveInterval = TimeSpan.Zero }, _ => { });
        session.Start();
        var ct = TestTimeout.Token();
        await raw.WriteAsync(Convert.FromHexString(hex), ct);
        await session.Completion.WaitAsync(ct);
        Assert.Contains(reasonFragment, session.CloseReason, StringComparison.Ordinal);
        var received = await ReadToEndAsync(raw, ct);
        Assert.Contains(Frame(YamuxFrameType.GoAway, YamuxFlags.None, 0, 1), Convert.ToHexString(received), StringComparison.Ordinal);
        raw.Dispose();
    }

    [Fact]
    public async Task Ping_Syn_IsAnsweredWithAckAndSameValue()
    {
        var (raw, b) = await SocketPair.StreamsAsync();
        await using var session = new YamuxSession(b, isClient: false, new YamuxOptions { KeepAliveInterval = TimeSpan.Zero }, _ => { });
        session.Start();
        var ct = TestTimeout.Token();
        await raw.WriteAsync(Convert.FromHexString(Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 0xABCD)), ct);
        await ReadUntilAsync(raw, Frame(YamuxFrameType.Ping, YamuxFlags.Ack, 0, 0xABCD), ct);
        raw.Dispose();
    }

    /// <summary>Reads from the raw end until the bytes seen hold <paramref name="hex"/> (a frame); fails at end of stream.</summary>
    internal static async Task ReadUntilAsync(Stream raw, string hex, CancellationToken ct)
    {
        var seen = new List<byte>();
        var buffer = new byte[256];
        while (!Convert.ToHexString(seen.ToArray()).Contains(hex, StringComparison.Ordinal))
        {
            var n = await raw.ReadAsync(buffer, ct);
            Assert.NotEqual(0, n);
            seen.AddRange(buffer.AsSpan(0, n));
        }
    }

    internal static string Frame(YamuxFrameType type, YamuxFlags flags, uint id, uint length)
    {
        var bytes = new byte[YamuxHeader.Size];
        new YamuxHeader(type, flags, id, length).Write(bytes);
        return Convert.ToHexString(bytes);
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream s, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        try
        {
            await s.CopyToAsync(ms, ct);
        }
        catch (IOException)
        {
            // A reset after the GoAway is fine; what arrived before it is what counts.
        }
        return ms.ToArray();
    }
}
