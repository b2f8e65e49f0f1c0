namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>
/// Hash ring on the client IP with virtual nodes: a client keeps its endpoint, and removing an
/// endpoint moves only the clients that were on it (about 1/N of them), never reshuffles the rest.
/// </summary>
public sealed class ConsistentHashPolicy(int virtualNodes = 160) : ILoadBalancingPolicy
{
    private volatile RingCache? _cache;

    /// <inheritdoc />
    public int Pick(IReadOnlyList<Backend> candidates, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(client);
        var cache = _cache;
        // The service keeps one list instance while its endpoints are unchanged, so the ring is
        // rebuilt only after a catalog change or an ejection, not per connection.
        if (cache is null || !ReferenceEquals(cache.Candidates, candidates))
        {
            cache = new RingCache(candidates, BuildRing(candidates));
            _cache = cache;
        }

        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes, out var written);
        var h = StableHash.Of(bytes[..written]);
        var ring = cache.Ring;
        var lo = 0;
        var hi = ring.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ring[mid].Hash < h) lo = mid + 1;
            else hi = mid;
        }
        return ring[lo == ring.Length ? 0 : lo].Index;
    }

    private RingPoint[] BuildRing(IReadOnlyList<Backend> candidates)
    {
        var ring = new RingPoint[candidates.Count * virtualNodes];
        Span<byte> key = stackalloc byte[16 + 2 + 4];
        for (var i = 0; i < candidates.Count; i++)
        {
            // Points depend on the endpoint's own address, not its index, so they stay put when
            // other endpoints come and go.
            var ep = candidates[i].EndPoint;
            ep.Address.TryWriteBytes(key, out var n);
            key[n] = (byte)(ep.Port >> 8);
            key[n + 1] = (byte)ep.Port;
            for (var v = 0; v < virtualNodes; v++)
            {
                BitConverter.TryWriteBytes(key[(n + 2)..], v);
                ring[(i * virtualNodes) + v] = new RingPoint(StableHash.Of(key[..(n + 6)]), i);
            }
        }
        Array.Sort(ring, static (a, b) => a.Hash.CompareTo(b.Hash));
        return ring;
    }

    private readonly record struct RingPoint(ulong Hash, int Index);

    private sealed record RingCache(IReadOnlyList<Backend> Candidates, RingPoint[] Ring);
}
