using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Identity;
using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;

namespace PluginMesh.Bench.Tunnel;

/// <summary>
/// Memory of idle connections: one listening host and N client hosts (one identity each, since a peer
/// keeps one connection), all created before the baseline; then N connections, identified and pinged,
/// left idle. Both ends live in this process, so the figures are per connection, both ends together.
/// </summary>
internal static class IdleConnectionMemory
{
    public sealed record Result(int Connections, double HeapBytesPerConnection, double RssBytesPerConnection, double HeapBefore, double HeapAfter, double RssBefore, double RssAfter);

    public static async Task<Result> MeasureAsync(int n)
    {
        var keys = Enumerable.Range(0, n + 1).Select(_ => IdentityKey.Generate()).ToList();
        var server = new Libp2pHost(new Libp2pHostOptions { Identity = keys[0], ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")], MaxConnections = n + 16 });
        await server.StartAsync();
        var clients = keys.Skip(1).Select(k => new Libp2pHost(new Libp2pHostOptions { Identity = k })).ToList();
        var target = server.ListenAddresses[0].WithPeerId(server.PeerId);
        // Warm the code paths (JIT, pools) with one connection that is closed again.
        using (var warmKey = IdentityKey.Generate())
        {
            await using var warm = new Libp2pHost(new Libp2pHostOptions { Identity = warmKey });
            var c = await warm.DialAsync(target, CancellationToken.None);
            await c.IdentifyTask;
        }
        await WaitAsync(() => server.Connections.Count == 0);
        var (heapBefore, rssBefore) = Snapshot();

        using var gate = new SemaphoreSlim(16);
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
