using System.Diagnostics.Metrics;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

/// <summary>The publisher's instrument on the plugin's meter.</summary>
internal sealed class PublishMetrics(Meter meter)
{
    private readonly Counter<long> _attempts = meter.CreateCounter<long>("pluginmesh.catalog.publish",
        description: "Requests made to publish this agent on its Node, by outcome (published, unchanged, forbidden, unsupported, offline, failed)");

    public void Attempt(string outcome) => _attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
