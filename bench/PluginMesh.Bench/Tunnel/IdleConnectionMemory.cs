using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Bench.Tunnel;

/// <summary>
/// Memory of idle connections: one listening host and N client hosts (one identity each, since a peer
/// keeps one connection), all created before the baseline; then N connections, identified and pinged,
/// left idle. Both ends live in this process, so the figures are per connection, both ends together.
/// </summary>
internal static class IdleConnectionMemory
{
    private const int Parallel = 16;

    public sealed record Result(int Connections, double HeapBytesPerConnection, double RssBytesPerConnection, double HeapBefore, double HeapAfter, double RssBefore, double RssAfter);

    /// <param name="hold">How long to keep the idle connections open after measuring (time to take a gcdump of this process).</param>
    public static async Task<Result> MeasureAsync(int n, TimeSpan hold = default)
    {
        var keys = Enumerable.Range(0, n + 1).Select(_ => PrivateKey.Generate()).ToList();
        var server = new Libp2pHost(new Libp2pHostOptions { Identity = keys[0], ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], MaxConnections = n + 16 });
        await server.StartAsync();
        var clients = keys.Skip(1).Select(k => new Libp2pHost(new Libp2pHostOptions { Identity = k })).ToList();
        var target = server.ListenAddresses[0].WithPeerId(server.PeerId);
        // Warm the code paths (JIT) and the shared ArrayPool with as many connections as are set up at
        // once below, closed again: buffers the pool keeps afterwards then do not show up as the cost of
        // the measured connections (with a cold pool they did, by 100 KiB per connection and more).
        var warmKeys = Enumerable.Range(0, Parallel).Select(_ => PrivateKey.Generate()).ToList();
        var warmHosts = warmKeys.Select(k => new Libp2pHost(new Libp2pHostOptions { Identity = k })).ToList();
        await Task.WhenAll(warmHosts.Select(async h =>
        {
            var c = await h.DialAsync(target, CancellationToken.None);
            await c.IdentifyTask;
            await h.PingAsync(c, CancellationToken.None);
        }));
        foreach (var h in warmHosts) await h.DisposeAsync();
        foreach (var k in warmKeys) k.Dispose();
        await WaitAsync(() => server.Connections.Count == 0);
        var (heapBefore, rssBefore) = Snapshot();

        using var gate = new SemaphoreSlim(Parallel);
        var connections = await Task.WhenAll(clients.Select(async client =>
        {
            await gate.WaitAsync();
            try
            {
                var c = await client.DialAsync(target, CancellationToken.None);
                await c.IdentifyTask;
                await client.PingAsync(c, CancellationToken.None);
                return c;
            }
            finally
            {
                gate.Release();
            }
        }));
        await WaitAsync(() => server.Connections.Count == n && server.Connections.All(c => c.IdentifyTask.IsCompleted));
        await Task.Delay(TimeSpan.FromSeconds(2)); // let the last streams and buffers go
        var (heapAfter, rssAfter) = Snapshot();
        if (hold > TimeSpan.Zero)
        {
            Console.Error.WriteLine($"    holding {n} idle connections for {hold.TotalSeconds:0} s (pid {Environment.ProcessId})");
            await Task.Delay(hold);
        }
        GC.KeepAlive(connections);

        foreach (var c in clients) await c.DisposeAsync();
        await server.DisposeAsync();
        foreach (var k in keys) k.Dispose();
        return new Result(n, (heapAfter - heapBefore) / n, (rssAfter - rssBefore) / n, heapBefore, heapAfter, rssBefore, rssAfter);
    }

    private static (double Heap, double Rss) Snapshot()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return (GC.GetTotalMemory(forceFullCollection: true), ReadRss());
    }

    /// <summary>VmRSS from /proc/self/status, in bytes.</summary>
    private static double ReadRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return double.NaN;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("idle-connection set-up did not finish in 5 minutes");
            await Task.Delay(50);
        }
    }
}
