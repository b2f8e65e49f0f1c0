namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>Instruments of <c>catalog.kubernetes</c> on the plugin's meter.</summary>
internal sealed class KubernetesCatalogMetrics(Meter meter)
{
    private readonly Counter<long> _events = meter.CreateCounter<long>("pluginmesh.catalog.events", description: "Watch events received, by resource kind and event type");
    private readonly Counter<long> _relists = meter.CreateCounter<long>("pluginmesh.catalog.relists", description: "Full lists, by reason (startup, reconnected, watch-expired, periodic)");
    private readonly Counter<long> _errors = meter.CreateCounter<long>("pluginmesh.catalog.errors", description: "API failures and skipped objects, by reason");

    public void Event(string kind, string type) =>
        _events.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("type", type));

    public void Relist(string reason) => _relists.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Error(string reason) => _errors.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Publishes <c>pluginmesh.catalog.resources</c>: objects of each kind plugins asked for, by kind and state.</summary>
    public void ObserveResources(Func<IEnumerable<Measurement<int>>> observe) =>
        meter.CreateObservableGauge("pluginmesh.catalog.resources", observe,
            description: "Objects of the kinds plugins asked for (Istio Gateways, TLS Secrets) in the catalog, by kind and state (watching, not-served, forbidden, failed)");
}
