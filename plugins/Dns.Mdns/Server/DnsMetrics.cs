namespace PluginMesh.Plugins.Dns.Mdns.Server;

/// <summary>
/// The plugin's instruments plus per-result totals for status. Tag values are interned strings so
/// recording allocates nothing on the hot path.
/// </summary>
internal sealed class DnsMetrics
{
    private static readonly string[] ResultNames = ["answer", "nodata", "nxdomain", "forwarded", "servfail", "formerr", "refused", "dropped", "limited"];

    /// <summary>
    /// Bucket boundaries of <c>pluginmesh.dns.duration</c>, in seconds: 50 µs (an answer from the index)
    /// to 5 s (a forwarded query that waited on slow upstreams). The SDK's default boundaries (0–10000)
    /// suit milliseconds and would put every DNS answer in the first bucket.
    /// </summary>
    internal static readonly double[] DurationBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Meter _meter;
    private readonly Counter<long> _queries;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _cacheHits;
    private readonly long[] _totals = new long[ResultNames.Length];
    private long _cacheHitTotal;

    public DnsMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter;
        _queries = meter.CreateCounter<long>("pluginmesh.dns.queries", "{query}", "DNS queries by result and transport");
        _duration = meter.CreateHistogram<double>("pluginmesh.dns.duration", "s", "Time from receiving a query to having its response",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _cacheHits = meter.CreateCounter<long>("pluginmesh.dns.cache.hits", "{hit}", "Forwarded queries answered from the cache");
    }

    /// <summary>Reports the upstream exchanges in flight (bounded by <c>maxConcurrentForwards</c>).</summary>
    public void ObserveActiveForwards(Func<int> active) =>
        _meter.CreateObservableGauge("pluginmesh.dns.forwards.active", active, "{query}", "Queries waiting on an upstream exchange now");

    /// <summary>Records one finished query.</summary>
    public void Record(QueryResult result, string transport, TimeSpan elapsed)
    {
        var name = ResultNames[(int)result];
        Interlocked.Increment(ref _totals[(int)result]);
        var resultTag = new KeyValuePair<string, object?>("result", name);
        var transportTag = new KeyValuePair<string, object?>("transport", transport);
        _queries.Add(1, resultTag, transportTag);
        _duration.Record(elapsed.TotalSeconds, resultTag, transportTag);
    }

    /// <summary>Records a forwarding cache hit.</summary>
    public void CacheHit()
    {
        Interlocked.Increment(ref _cacheHitTotal);
        _cacheHits.Add(1);
    }

    /// <summary>Totals per result name since start.</summary>
    public IReadOnlyDictionary<string, long> Totals()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < ResultNames.Length; i++) result[ResultNames[i]] = Interlocked.Read(ref _totals[i]);
        return result;
    }

    /// <summary>Cache hits since start.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHitTotal);
}
