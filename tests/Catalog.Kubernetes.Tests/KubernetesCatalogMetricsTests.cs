using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

public sealed class KubernetesCatalogMetricsTests
{
    [Fact]
    public async Task Metrics_EventsRelistsAndSkipsCountedWithTags()
    {
        await using var h = new KubeHarness();
        var seen = new ConcurrentQueue<(string Name, string Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == h.Meter) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) =>
            seen.Enqueue((i.Name, string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}")))));
        listener.Start();

        h.Cluster.Apply(FakeCluster.Services, FakeObjects.ExternalNameService("demo", "ext", "db.example.com"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web") is not null, "event applied");
        h.Cluster.RequestBookmark();

        await Eventually.TrueAsync(() => seen.Contains(("pluginmesh.catalog.events", "kind=services,type=BOOKMARK")), "bookmark counted");
        Assert.Contains(("pluginmesh.catalog.events", "kind=services,type=ADDED"), seen);
        Assert.Contains(("pluginmesh.catalog.relists", "reason=startup"), seen);
        Assert.Contains(("pluginmesh.catalog.errors", "reason=skipped"), seen);
        Assert.Equal(1, source.Status.Skipped);
    }
}
