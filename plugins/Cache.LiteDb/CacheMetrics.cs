namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>Instruments of <c>cache.litedb</c> on the plugin's meter.</summary>
/// <param name="meter">The plugin's meter.</param>
/// <param name="cache">The cache whose in-memory counters the gauges read.</param>
internal sealed class CacheMetrics(Meter meter, LiteDbStateCache cache)
{
    // Gauges read counters the cache keeps in memory: exporters call them on their own schedule and
    // must never wait on the database. Every instrument is a field, created where it is declared.
    private readonly ObservableGauge<long> _documents = meter.CreateObservableGauge(
        "pluginmesh.cache.documents",
        () => cache.DocumentCounts()
            .Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("collection", kv.Key))),
        unit: "{document}",
        description: "Documents per cache collection.");
    private readonly ObservableGauge<long> _size = meter.CreateObservableGauge(
        "pluginmesh.cache.size",
        () => cache.SizeBytes(),
        unit: "By",
        description: "Bytes on disk of the cache file and its journal.");
    private readonly ObservableGauge<double> _backupAge = meter.CreateObservableGauge(
        "pluginmesh.cache.backup.age",
        () => cache.BackupAgeSeconds() is { } age ? [new Measurement<double>(age)] : Array.Empty<Measurement<double>>(),
        unit: "s",
        description: "Seconds since the newest good backup was taken (absent until there is one).");
    private readonly Counter<long> _writes = meter.CreateCounter<long>(
        "pluginmesh.cache.writes", unit: "{transaction}", description: "Committed write transactions per collection.");
    private readonly Counter<long> _recoveries = meter.CreateCounter<long>(
        "pluginmesh.cache.recoveries", unit: "{recovery}",
        description: "Repairs at open, by outcome: journal-dropped, restored-from-backup, started-empty.");
    private readonly Histogram<double> _syncDuration = meter.CreateHistogram<double>(
        "pluginmesh.cache.sync.duration", unit: "ms", description: "Duration of each fsync of the cache journal.");
    private readonly Counter<long> _syncFailures = meter.CreateCounter<long>(
        "pluginmesh.cache.sync.failures", unit: "{fsync}", description: "fsyncs of the cache journal that failed.");
    private readonly Counter<long> _backups = meter.CreateCounter<long>(
        "pluginmesh.cache.backups", unit: "{backup}", description: "Backups attempted, by result: ok, failed.");

    public void Wrote(string collection) =>
        _writes.Add(1, new KeyValuePair<string, object?>("collection", collection));

    public void Recovered(string outcome) => _recoveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Synced(double milliseconds) => _syncDuration.Record(milliseconds);

    public void SyncFailed() => _syncFailures.Add(1);

    public void BackedUp(bool ok) => _backups.Add(1, new KeyValuePair<string, object?>("result", ok ? "ok" : "failed"));
}
