namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>
/// Service <c>sessionAffinity: ClientIP</c>: a client IP keeps the endpoint it was given until it
/// has been idle for the timeout (each use extends it, as kube-proxy does).
/// </summary>
public sealed class SessionAffinityTable(TimeProvider time, TimeSpan timeout)
{
    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();
    private long _lastSweep;

    /// <summary>Number of live entries (for status).</summary>
    public int Count => _entries.Count;

    /// <summary>The remembered endpoint for <paramref name="client"/>, when not expired.</summary>
    public IPEndPoint? Get(IPAddress client)
    {
        var now = time.GetUtcNow().UtcTicks;
        Sweep(now);
        return _entries.TryGetValue(client, out var e) && e.ExpiresTicks > now ? e.EndPoint : null;
    }

    /// <summary>Remembers (or refreshes) <paramref name="endPoint"/> for <paramref name="client"/>.</summary>
    public void Set(IPAddress client, IPEndPoint endPoint) =>
        _entries[client] = new Entry(endPoint, time.GetUtcNow().UtcTicks + timeout.Ticks);

    private void Sweep(long now)
    {
        // Expired entries are dropped at most once per timeout so the table cannot grow forever
        // with one-off clients, without a timer per service.
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < timeout.Ticks || Interlocked.CompareExchange(ref _lastSweep, now, last) != last) return;
        foreach (var kv in _entries)
        {
            if (kv.Value.ExpiresTicks <= now) _entries.TryRemove(kv);
        }
    }

    private sealed record Entry(IPEndPoint EndPoint, long ExpiresTicks);
}
