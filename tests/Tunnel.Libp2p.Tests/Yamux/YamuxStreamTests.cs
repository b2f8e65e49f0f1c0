using System.Net.Sockets;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>The data path of one stream: batched writes, reads straight into a waiting reader's buffer.</summary>
public sealed class YamuxStreamTests
{
    public static TheoryData<int> ReadSizes => [1, 777, 64 * 1024, 1 << 20];

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public async Task Write_ManyFramesAtOnce_ArriveIntactWhateverTheReadSize(int readSize)
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        var payload = new byte[3 << 20];
        new Random(readSize).NextBytes(payload);
        var write = Task.Run(async () =>
        {
            await client.WriteAsync(payload, ct);
            await client.CloseWriteAsync(ct);
        }, ct);
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        var got = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = await server.ReadAsync(buffer, ct)) > 0) got.Write(buffer, 0, n);
        await write;
        Assert.Equal(payload, got.ToArray());
        Assert.Equal(0, server.BufferedBytes);
    }

    [Fact]
    public async Task Read_CancelledWhileWaiting_LaterDataGoesToTheNextReadNotTheAbandonedBuffer()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var (client, server) = await OpenedAsync(pair, ct);

        var abandoned = new byte[16];
        using var cancel = new CancellationTokenSource();
        var read = server.ReadAsync(abandoned, cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);

        await client.WriteAsync(new byte[] { 7, 8, 9 }, ct);
        var got = new byte[3];
        await server.ReadExactlyAsync(got, ct);
        Assert.Equal(new byte[] { 7, 8, 9 }, got);
        Assert.All(abandoned, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task Dispose_WhileAReadAndAWriteWait_BothEndAtOnce_TheRemoteReadsEndOfStream()
    {
        // An HTTP client disposes its connection to abort a request whose response is awaited (the
        // gateway's route timeout): the waiting read must end then, not when the remote answers.
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var (client, server) = await OpenedAsync(pair, ct);

        var read = client.ReadAsync(new byte[16], ct).AsTask();
        // A write that waits for window: the server reads nothing, so the initial window runs out.
        var payload = new byte[2 * YamuxOptions.InitialWindow];
        var write = client.WriteAsync(payload, ct).AsTask();
        await WaitUntilAsync(() => client.SendWindow == 0, ct);
        Assert.False(read.IsCompleted);
        Assert.False(write.IsCompleted);

        await client.DisposeAsync();
        var readFailure = await Assert.ThrowsAsync<YamuxException>(() => read);
        Assert.Contains("closed locally", readFailure.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<YamuxException>(() => write);
        await Assert.ThrowsAsync<YamuxException>(() => client.ReadAsync(new byte[1], ct).AsTask());

        // The remote gets what was sent before (a window's worth), then end-of-stream: a graceful close, not a reset.
        var total = 0;
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await server.ReadAsync(buffer, ct)) > 0) total += n;
        Assert.InRange(total, (int)YamuxOptions.InitialWindow - 1, payload.Length - 1); // the first byte took one of the window
    }

    /// <summary>A stream opened by the client and accepted by the server, one byte through it.</summary>
    private static async Task<(YamuxStream Client, YamuxStream Server)> OpenedAsync(YamuxPair pair, CancellationToken ct)
    {
        var client = await pair.Client.OpenStreamAsync(ct);
        await client.WriteAsync(new byte[] { 1 }, ct);
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        Assert.Equal(1, await server.ReadAsync(new byte[1], ct));
        return (client, server);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(5, ct);
    }

    [Fact]
    public async Task Write_LargerThanOneFrame_GoesOutAsFramesOfAtMostMaxFramePayload()
    {
        var (a, raw) = await SocketPair.StreamsAsync();
        var options = new YamuxOptions { KeepAliveInterval = TimeSpan.Zero };
        await using var session = new YamuxSession(a, isClient: true, options, _ => { });
        session.Start();
        var ct = TestTimeout.Token();
        var stream = await session.OpenStreamAsync(ct);
        const int Size = 200_000; // within the 256 KiB initial window: one batch
        await stream.WriteAsync(new byte[Size], ct);

        var frames = new List<YamuxHeader>();
        var data = 0L;
        var header = new byte[YamuxHeader.Size];
        while (data < Size)
        {
            await raw.ReadExactlyAsync(header, ct);
            var h = YamuxHeader.Read(header, out var error);
            Assert.Null(error);
            frames.Add(h);
            if (h.Type != YamuxFrameType.Data) continue;
            Assert.InRange(h.Length, 1u, (uint)options.MaxFramePayload);
            await SkipAsync(raw, h.Length, ct);
            data += h.Length;
        }
        Assert.Equal(Size, data);
        Assert.Equal(YamuxFlags.Syn, frames[0].Flags); // the open, then plain data frames
        Assert.All(frames.Skip(1), f => Assert.Equal(YamuxFlags.None, f.Flags));
        raw.Dispose();
    }

    private static async Task SkipAsync(NetworkStream s, uint length, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        for (var left = (int)length; left > 0;) left -= await s.ReadAsync(buffer.AsMemory(0, Math.Min(left, buffer.Length)), ct) is var n && n > 0 ? n : throw new EndOfStreamException();
    }
}
