using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>
/// Attack: a peer opens many streams over real libp2p connections (TCP, Noise, Yamux on loopback) and
/// pushes bytes nobody reads. The node-wide receive budget refuses the streams it cannot cover, so the
/// agent's unread bytes stay under the budget, while another peer's transfer carries on.
/// </summary>
[Trait("Category", "Attack")]
public sealed class HostReceiveBudgetTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long Budget = 8L << 20;
    private const int FloodStreams = 200;
    // Just under the 256 KiB initial window (multistream-select's bytes use a little of it): an admitted
    // stream takes it all without waiting for a window update that never comes, as nobody reads.
    private const int FloodBytes = 255 * 1024;
    private const long GoodBytes = 24L << 20;

    [Fact]
    public async Task NeverReadingPeer_ManyStreams_BufferedStaysUnderTheBudget_AnotherPeersTransferCompletes()
    {
        var ct = TestTimeout.Token(120);
        var budget = new YamuxReceiveBudget(Budget);
        using var key = PrivateKey.Generate();
        await using var agent = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = key,
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            Yamux = new YamuxOptions { HostBudget = budget },
        });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var hold = agent.SetStreamHandler("/test/hold/1.0.0", async (s, c) => await release.Task.WaitAsync(c));
        using var echo = agent.SetStreamHandler("/test/echo/1.0.0", async (s, c) => await s.Stream.CopyToAsync(s.Stream, c));
        await agent.StartAsync();
        await using var good = await HostFactory.StartAsync(listen: false);
        await using var flooder = await HostFactory.StartAsync(listen: false);
        var address = HostFactory.DialAddress(agent);

        // The good peer's transfer is under way when the flood starts, and keeps going through it.
        var transfer = await good.OpenStreamAsync(address, "/test/echo/1.0.0", ct);
        var echoed = Task.Run(() => EchoAsync(transfer.Stream, GoodBytes, ct), ct);

        var refused = 0;
        var flood = Enumerable.Range(0, FloodStreams).Select(async _ =>
        {
            try
            {
                var s = await flooder.OpenStreamAsync(address, "/test/hold/1.0.0", ct);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(20));
                await s.Stream.WriteAsync(new byte[FloodBytes], timeout.Token);
            }
            catch (Exception e) when (e is IOException or YamuxException or OperationCanceledException or InvalidDataException)
            {
                Interlocked.Increment(ref refused);
            }
        }).ToList();
        await Task.WhenAll(flood);

        Assert.Equal(GoodBytes, await echoed);
        // A flood write completes once the flooder has sent it; the agent may still be reading it in.
        // Without the budget the agent would hold every flood stream's initial window: 200 × 256 KiB = 50 MiB.
        await Eventually.TrueAsync(() => budget.Buffered >= Budget / 2, "the flood buffered at least half the budget (else the test did not press it)");
        Assert.True(budget.RefusedStreams > 0, "no stream was refused for the budget");
        Assert.True(refused > 0, "the flooder was never refused");
        Assert.True(budget.PeakBuffered <= Budget, $"peak buffered {budget.PeakBuffered} > budget {Budget}");
        Assert.True(budget.Committed <= Budget, $"committed {budget.Committed} > budget {Budget}");
        output.WriteLine($"budget {Budget} B: peak buffered {budget.PeakBuffered} B, committed {budget.Committed} B, {budget.RefusedStreams} of {FloodStreams} flood streams refused; good peer echoed {GoodBytes} B");
        release.SetResult();

        // Nothing leaks into the node budget: once the peers are gone every byte and window is given back.
        await flooder.DisposeAsync();
        await good.DisposeAsync();
        await Eventually.TrueAsync(() => budget.Committed == 0 && budget.Buffered == 0, "the node budget released");
    }

    /// <summary>Writes <paramref name="total"/> bytes while reading the echo back; returns the bytes echoed intact.</summary>
    private static async Task<long> EchoAsync(Stream stream, long total, CancellationToken ct)
    {
        var writer = Task.Run(async () =>
        {
            for (long sent = 0; sent < total;)
            {
                var off = (int)(sent % EchoPattern.BlockSize);
                var n = (int)Math.Min(Math.Min(64 * 1024, total - sent), EchoPattern.BlockSize - off);
                await stream.WriteAsync(EchoPattern.Block.Slice(off, n), ct);
                sent += n;
            }
        }, ct);
        var buffer = new byte[64 * 1024];
        long got = 0;
        while (got < total)
        {
            var n = await stream.ReadAsync(buffer, ct);
            if (n == 0) break;
            if (EchoPattern.FindMismatch(buffer.AsSpan(0, n), got) >= 0) throw new InvalidDataException($"echo mismatch near byte {got}");
            got += n;
        }
        await writer;
        return got;
    }
}
