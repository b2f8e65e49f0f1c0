namespace PluginMesh.Plugins.Tunnel.Libp2p.AutoNat;

/// <summary>Sliding one-minute windows: a global budget and one per key. Thread-safe.</summary>
internal sealed class RateLimiter(int perKeyPerMinute, int globalPerMinute, TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private readonly Queue<long> _global = new();
    private readonly Dictionary<string, Queue<long>> _byKey = new(StringComparer.Ordinal);

    /// <summary>Takes one unit for <paramref name="key"/>; false (nothing taken) when either budget is spent.</summary>
    public bool TryAcquire(string key)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            Trim(_global, now);
            if (!_byKey.TryGetValue(key, out var mine)) _byKey[key] = mine = new Queue<long>();
            Trim(mine, now);
            if (_global.Count >= globalPerMinute || mine.Count >= perKeyPerMinute) return false;
            _global.Enqueue(now);
            mine.Enqueue(now);
            // Forget idle keys so a stream of distinct peers cannot grow the table without bound.
            if (_byKey.Count > 4 * globalPerMinute)
            {
                foreach (var k in _byKey.Where(p => { Trim(p.Value, now); return p.Value.Count == 0; }).Select(p => p.Key).ToList()) _byKey.Remove(k);
            }
            return true;
        }
    }

    private void Trim(Queue<long> q, long now)
    {
        while (q.Count > 0 && time.GetElapsedTime(q.Peek(), now) >= Window) q.Dequeue();
    }
}
