using System.Net;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// A token bucket per source address. An honest peer sends a query per interval plus one answer
/// per query it hears, a few packets a second even on a busy LAN; the burst allows a crowd of
/// queries at once, the rate stops one host from spending our CPU on parsing.
/// </summary>
/// <remarks>Used from the receive loop only (one thread); not thread-safe.</remarks>
internal sealed class SourceRateLimiter(TimeProvider time, double burst = 50, double perSecond = 20, int maxSources = 4096)
{
    private readonly Dictionary<IPAddress, (double Tokens, long Stamp)> _buckets = [];

    /// <summary>Takes one token for <paramref name="source"/>; false when its bucket is empty.</summary>
    public bool TryAcquire(IPAddress source)
    {
        var now = time.GetTimestamp();
        if (!_buckets.TryGetValue(source, out var bucket))
        {
            // Spoofed sources must not grow the map without bound: forget the full (idle) buckets first.
            if (_buckets.Count >= maxSources) Prune(now);
            bucket = (burst, now);
        }
        var tokens = Math.Min(burst, bucket.Tokens + time.GetElapsedTime(bucket.Stamp, now).TotalSeconds * perSecond);
        var allowed = tokens >= 1;
        _buckets[source] = (allowed ? tokens - 1 : tokens, now);
        return allowed;
    }

    private void Prune(long now)
    {
        foreach (var (key, b) in _buckets.ToList())
            if (b.Tokens + time.GetElapsedTime(b.Stamp, now).TotalSeconds * perSecond >= burst) _buckets.Remove(key);
        if (_buckets.Count >= maxSources) _buckets.Clear();
    }
}
