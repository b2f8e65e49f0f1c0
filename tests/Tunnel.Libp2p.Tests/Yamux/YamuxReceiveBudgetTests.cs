using System.Buffers;
using System.Diagnostics.Metrics;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>The session-wide cap on received-but-unread bytes (<see cref="YamuxOptions.MaxSessionBuffer"/>).</summary>
public sealed class YamuxReceiveBudgetTests
{
    private const int Streams = 16;
    private const long PerStream = 12L << 20;
    private const long Warmup = 2L << 20;
    private const long Cap = 8L << 20;

    [Fact]
    public async Task ManyStreams_ReaderStops_BufferedNeverExceedsCap_ThenAllDataArrivesIntact()
    {
        var ct = TestTimeout.Token(120);
        await using var setup = await StalledAsync(ct);
        var budget = setup.Pair.Server.ReceiveBudget;
        // Without the cap the windows would have grown far past it (16 streams × up to 16 MiB).
        Assert.True(budget.CappedUpdates > 0, "the cap never limited a window update");
        Assert.True(budget.PeakBuffered <= Cap, $"peak {budget.PeakBuffered} > cap {Cap}");
        Assert.True(budget.Committed <= Cap, $"committed {budget.Committed} > cap {Cap}");

        var totals = await Task.WhenAll(setup.Accepted.Select((s, i) => ReadToEndAsync(s, Warmup, ct)));
        await Task.WhenAll(setup.Writes);
        Assert.All(totals, t => Assert.Equal(PerStream, t));
        Assert.True(budget.PeakBuffered <= Cap, $"peak {budget.PeakBuffered} > cap {Cap}");
        await Eventually.TrueAsync(() => budget.Buffered == 0 && budget.Committed == 0, "everything read and released");
    }

    [Fact]
    public async Task BudgetHeldByUnreadStreams_OneStreamIsRead_ItStillRunsToTheEnd()
    {
        var ct = TestTimeout.Token(120);
        await using var setup = await StalledAsync(ct);
        var budget = setup.Pair.Server.ReceiveBudget;

        // The other 15 streams keep their bytes; the one being read must not starve behind them.
        Assert.Equal(PerStream, await ReadToEndAsync(setup.Accepted[0], Warmup, ct));
        await setup.Writes[0];
        Assert.True(budget.PeakBuffered <= Cap, $"peak {budget.PeakBuffered} > cap {Cap}");
        Assert.All(setup.Writes.Skip(1), w => Assert.False(w.IsCompleted));
        Assert.All(setup.Accepted.Skip(1), a => Assert.True(a.BufferedBytes > 0));

        var rest = await Task.WhenAll(setup.Accepted.Skip(1).Select(s => ReadToEndAsync(s, Warmup, ct)));
        Assert.All(rest, t => Assert.Equal(PerStream, t));
    }

    [Fact]
    public async Task Host_UnreadBytes_ShowInBufferedGauge()
    {
        using var meter = new Meter("test.libp2p." + Guid.NewGuid());
        long buffered = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) => { if (i.Meter == meter && i.Name == "pluginmesh.libp2p.receive.buffered") l.EnableMeasurementEvents(i); };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Exchange(ref buffered, v));
        listener.Start();
        using var key = PrivateKey.Generate();
        await using var server = new Libp2pHost(new Libp2pHostOptions { Identity = key, ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], Meter = meter });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = server.SetStreamHandler("/test/hold/1.0.0", async (s, c) => await release.Task.WaitAsync(c));
        await server.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var s = await client.OpenStreamAsync(HostFactory.DialAddress(server), "/test/hold/1.0.0", ct);
        await s.Stream.WriteAsync(new byte[100_000], ct);
        await Eventually.TrueAsync(() =>
        {
            listener.RecordObservableInstruments();
            return Interlocked.Read(ref buffered) == 100_000;
        }, "the gauge shows the unread bytes");
        release.SetResult();
    }

    /// <summary>16 streams of 12 MiB each: the server reads 2 MiB of each at full speed (windows grow), then stops until every sender is blocked.</summary>
    private static async Task<Stalled> StalledAsync(CancellationToken ct)
    {
        var options = new YamuxOptions { MaxSessionBuffer = Cap, TimeProvider = new SteppingTimeProvider(TimeSpan.Zero) };
        var pair = await YamuxPair.CreateAsync(serverOptions: options);
        var outbound = new List<YamuxStream>();
        var writes = new List<Task>();
        for (var i = 0; i < Streams; i++)
        {
            var stream = await pair.Client.OpenStreamAsync(ct);
            outbound.Add(stream);
            writes.Add(WritePatternAsync(stream, ct));
        }
        var accepted = new List<YamuxStream>();
        for (var i = 0; i < Streams; i++) accepted.Add(await pair.Accepted.Reader.ReadAsync(ct));
        accepted.Sort((x, y) => x.Id.CompareTo(y.Id));
        await Task.WhenAll(accepted.Select(s => ReadCheckedAsync(s, 0, Warmup, ct)));
        await Eventually.TrueAsync(() => outbound.All(s => s.SendWindow == 0), "every sender used up its window");
        return new Stalled(pair, accepted, writes);
    }

    private static async Task WritePatternAsync(YamuxStream stream, CancellationToken ct)
    {
        for (long sent = 0; sent < PerStream;)
        {
            var off = (int)(sent % EchoPattern.BlockSize);
            var n = (int)Math.Min(Math.Min(256 * 1024, PerStream - sent), EchoPattern.BlockSize - off);
            await stream.WriteAsync(EchoPattern.Block.Slice(off, n), ct);
            sent += n;
        }
        await stream.CloseWriteAsync(ct);
    }

    /// <summary>Reads until end of stream from <paramref name="offset"/>, checking the pattern; returns the total position reached.</summary>
    private static async Task<long> ReadToEndAsync(YamuxStream stream, long offset, CancellationToken ct) =>
        await ReadCheckedAsync(stream, offset, long.MaxValue, ct);

    private static async Task<long> ReadCheckedAsync(YamuxStream stream, long offset, long until, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (offset < until)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, until - offset)), ct);
                if (n == 0) break;
                var bad = EchoPattern.FindMismatch(buffer.AsSpan(0, n), offset);
                if (bad >= 0) throw new InvalidDataException($"stream {stream.Id}: mismatch at byte {bad}");
                offset += n;
            }
            return offset;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private sealed record Stalled(YamuxPair Pair, List<YamuxStream> Accepted, List<Task> Writes) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Pair.DisposeAsync();
    }
}
