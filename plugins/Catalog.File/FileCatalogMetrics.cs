namespace PluginMesh.Plugins.Catalog.File;

/// <summary>Instruments of <c>catalog.file</c> on the plugin's meter.</summary>
internal sealed class FileCatalogMetrics
{
    private readonly Counter<long> _reloads;
    private readonly Counter<long> _errors;

    public FileCatalogMetrics(Meter meter, Func<int> valid, Func<IReadOnlyDictionary<string, int>> objects, Func<IReadOnlyDictionary<string, int>> resources)
    {
        _reloads = meter.CreateCounter<long>("pluginmesh.catalog.reloads", description: "Catalog file loads, by result (ok, invalid, unreadable)");
        _errors = meter.CreateCounter<long>("pluginmesh.catalog.errors", description: "Catalog file loads that failed and left the last good catalog in effect");
        meter.CreateObservableGauge("pluginmesh.catalog.file.valid", valid, description: "1 when the current file content is valid, 0 when the last good catalog is being served");
        meter.CreateObservableGauge("pluginmesh.catalog.objects", () => objects().Select(kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))),
            description: "Objects this source currently contributes, by kind");
        meter.CreateObservableGauge("pluginmesh.catalog.resources", () => resources().Select(kv => new Measurement<int>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))),
            description: "Objects of the kinds plugins asked for (Istio Gateways, TLS Secrets) this source contributes, by kind");
    }

    public void Reloaded(string result)
    {
        _reloads.Add(1, new KeyValuePair<string, object?>("source", "file"), new KeyValuePair<string, object?>("result", result));
        if (result != "ok") _errors.Add(1, new KeyValuePair<string, object?>("source", "file"), new KeyValuePair<string, object?>("reason", result));
    }
}
