using System.Text;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

public sealed class YamuxSessionTests
{
    [Fact]
    public async Task Window_Exhausted_WriterWaitsUntilReaderReads()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        var payload = new byte[1 << 20];
        var write = client.WriteAsync(payload, ct).AsTask();
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        await Eventually.TrueAsync(() => server.BufferedBytes == YamuxOptions.InitialWindow, "server buffered one initial window");
        Assert.False(write.IsCompleted);
        Assert.Equal(0, client.SendWindow);
        var got = new byte[payload.Length];
        await server.ReadExactlyAsync(got, ct);
        await write;
        Assert.True(server.BufferedBytes == 0);
    }

    [Fact]
    public async Task Window_DrainedQuickly_GrowsToMax()
    {
        var options = new YamuxOptions { MaxStreamWindow = 4 << 20, TimeProvider = new SteppingTimeProvider(TimeSpan.Zero) };
        await using var pair = await YamuxPair.CreateAsync(serverOptions: options);
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        var write = client.WriteAsync(new byte[32 << 20], ct).AsTask();
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        await server.ReadExactlyAsync(new byte[32 << 20], ct);
        await write;
        Assert.Equal(4u << 20, server.ReceiveWindow);
    }

    [Fact]
    public async Task Window_DrainedSlowly_StaysAtInitial()
    {
        var options = new YamuxOptions { KeepAliveInterval = TimeSpan.Zero, TimeProvider = new SteppingTimeProvider(TimeSpan.FromHours(1)) };
        await using var pair = await YamuxPair.CreateAsync(serverOptions: options);
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        var write = client.WriteAsync(new byte[4 << 20], ct).AsTask();
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        await server.ReadExactlyAsync(new byte[4 << 20], ct);
        await write;
        Assert.Equal(YamuxOptions.InitialWindow, server.ReceiveWindow);
    }

    [Fact]
    public async Task HalfClose_EachSideReadsEndThenStreamIsForgotten()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        await client.WriteAsync("abc"u8.ToArray(), ct);
        await client.CloseWriteAsync(ct);
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        Assert.Equal("abc", await ReadAllAsync(server, ct));
        await server.WriteAsync("xyz"u8.ToArray(), ct); // our side is still writable after the remote's FIN
        await server.CloseWriteAsync(ct);
        Assert.Equal("xyz", await ReadAllAsync(client, ct));
        await Eventually.TrueAsync(() => pair.Client.StreamCount == 0 && pair.Server.StreamCount == 0, "both sides forget the stream");
        await Assert.ThrowsAsync<YamuxException>(async () => await client.WriteAsync(new byte[1], ct));
    }

    [Fact]
    public async Task Reset_RemoteReadAndWriteFail()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        await client.WriteAsync(new byte[10], ct);
        var server = await pair.Accepted.Reader.ReadAsync(ct);
        client.Reset();
        await Eventually.TrueAsync(() => pair.Server.StreamCount == 0, "server forgets the reset stream");
        var e = await Assert.ThrowsAsync<YamuxException>(async () => await server.ReadExactlyAsync(new byte[100], ct));
        Assert.True(e.WasReset);
        await Assert.ThrowsAsync<YamuxException>(async () => await server.WriteAsync(new byte[1], ct));
    }

    [Fact]
    public async Task GoAway_RemoteClosesAndRefusesNewStreams()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        await pair.Client.CloseAsync();
        await pair.Server.Completion.WaitAsync(ct);
        Assert.True(pair.Server.IsClosed);
        await Assert.ThrowsAsync<YamuxException>(async () => await pair.Server.OpenStreamAsync(ct));
    }

    [Fact]
    public async Task StreamLimit_ExtraInboundStreamIsResetAndCounted()
    {
        await using var pair = await YamuxPair.CreateAsync(serverOptions: new YamuxOptions { MaxInboundStreams = 2 });
        var ct = TestTimeout.Token();
        var s1 = await pair.Client.OpenStreamAsync(ct);
        var s2 = await pair.Client.OpenStreamAsync(ct);
        var s3 = await pair.Client.OpenStreamAsync(ct);
        var e = await Assert.ThrowsAsync<YamuxException>(async () => await s3.ReadExactlyAsync(new byte[1], ct));
        Assert.True(e.WasReset);
        Assert.Equal(1, pair.Server.RejectedStreams);
        // The session itself is unharmed: the first streams still work.
        await s1.WriteAsync(new byte[] { 7 }, ct);
        var first = await pair.Accepted.Reader.ReadAsync(ct);
        Assert.Equal(7, (await ReadOneAsync(first, ct)));
        Assert.False(pair.Server.IsClosed);
        GC.KeepAlive(s2);
    }

    [Fact]
    public async Task Ping_AnsweredBothWays()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        Assert.True(await pair.Client.PingAsync(ct) >= TimeSpan.Zero);
        Assert.True(await pair.Server.PingAsync(ct) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task OutboundLimit_OpenBeyondLimit_ThrowsLimitExceeded()
    {
        await using var pair = await YamuxPair.CreateAsync(clientOptions: new YamuxOptions { MaxOutboundStreams = 1 });
        var ct = TestTimeout.Token();
        await pair.Client.OpenStreamAsync(ct);
        var e = await Assert.ThrowsAsync<YamuxException>(async () => await pair.Client.OpenStreamAsync(ct));
        Assert.True(e.LimitExceeded);
    }

    private static async Task<string> ReadAllAsync(Stream s, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct);
        return Encoding.ASCII.GetString(ms.ToArray());
    }

    private static async Task<int> ReadOneAsync(Stream s, CancellationToken ct)
    {
        var b = new byte[1];
        await s.ReadExactlyAsync(b, ct);
        return b[0];
    }
}
