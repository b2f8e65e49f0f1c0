namespace PluginMesh.Plugins.Dns.Mdns.Limits;

/// <summary>
/// A token bucket per source address. mDNS uses it against a host spending our CPU on parsing (an
/// honest peer sends a few packets a second); the DNS server against one client filling the
/// upstream slots with names nobody will ask twice (a random-subdomain flood).
/// </summary>
/// <remarks>
/// Thread-safe (a lock: DNS calls it from several receive loops, and only for queries that need an
/// upstream, so the lock is never on the path of a cluster-name answer). IPv6 sources are bucketed
/// per /64, what one host normally holds.
/// </remarks>
internal sealed class SourceRateLimiter(TimeProvider time, double burst = 50, double perSecond = 20, int maxSources = 4096)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, (double Tokens, long Stamp)> _buckets = [];

    /// <summary>Takes one token for <paramref name="source"/>; false when its bucket is empty.</summary>
    public bool TryAcquire(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var key = Bucket(source);
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                // Spoofed sources must not grow the map without bound: forget the full (idle) buckets first.
                if (_buckets.Count >= maxSources) Prune(now);
                bucket = (burst, now);
            }
            var tokens = Math.Min(burst, bucket.Tokens + time.GetElapsedTime(bucket.Stamp, now).TotalSeconds * perSecond);
            var allowed = tokens >= 1;
            _buckets[key] = (allowed ? tokens - 1 : tokens, now);
            return allowed;
        }
    }

    private static IPAddress Bucket(IPAddress source)
    {
        if (source.IsIPv4MappedToIPv6) return source.MapToIPv4();
        if (source.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return source;
        Span<byte> bytes = stackalloc byte[16];
        source.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private void Prune(long now)
    {
        foreach (var (key, b) in _buckets.ToList())
            if (b.Tokens + time.GetElapsedTime(b.Stamp, now).TotalSeconds * perSecond >= burst) _buckets.Remove(key);
        if (_buckets.Count >= maxSources) _buckets.Clear();
    }
}
