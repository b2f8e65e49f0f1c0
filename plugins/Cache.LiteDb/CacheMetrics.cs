using System.Diagnostics.Metrics;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Instruments of <c>cache.litedb</c> on the plugin's meter.</summary>
internal sealed class CacheMetrics
{
    private readonly Counter<long> _writes;
    private readonly Counter<long> _recoveries;

    public CacheMetrics(Meter meter, LiteDbStateCache cache)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(cache);

        // Gauges read counters the cache keeps in memory: exporters call them on their own
        // schedule and must never wait on the database.
        meter.CreateObservableGauge(
            "pluginmesh.cache.documents",
            () => cache.DocumentCounts()
                .Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("collection", kv.Key))),
            unit: "{document}",
            description: "Documents per cache collection.");
        meter.CreateObservableGauge(
            "pluginmesh.cache.size",
            () => cache.SizeBytes(),
            unit: "By",
            description: "Bytes on disk of the cache file and its journal.");
        _writes = meter.CreateCounter<long>(
            "pluginmesh.cache.writes", unit: "{transaction}", description: "Committed write transactions per collection.");
        _recoveries = meter.CreateCounter<long>(
            "pluginmesh.cache.recoveries", unit: "{recovery}", description: "Corrupt cache files moved aside at open.");
    }

    public void Wrote(string collection) =>
        _writes.Add(1, new KeyValuePair<string, object?>("collection", collection));

    public void Recovered() => _recoveries.Add(1);
}
