using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// <see cref="ICatalogSource.Connected"/>: true while the watches are open and healthy, false from
/// the first failed list or watch until one succeeds again, and <see cref="ICatalogSource.ConnectedChangedAt"/>
/// the moment it took that value (other plugins retire silent nodes only while the API is away).
/// </summary>
public sealed class ConnectedTests
{
    private static void Seed(FakeCluster cluster)
    {
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.1.0/24", "192.168.1.20"));
    }

    [Fact]
    public async Task BeforeTheFirstAttempt_NotConnected_NoTime()
    {
        await using var h = new KubeHarness();
        using var source = new KubernetesCatalogSource(h.Options(), new RecordingCatalogSink(), null, h.Policy, h.Log, TimeProvider.System, h.Meter);

        Assert.False(source.Connected);
        Assert.Null(source.ConnectedChangedAt);
        Assert.Null(source.Status.ConnectedChangedAt);
    }

    [Fact]
    public async Task ApiLostAndBack_FalseFromTheFirstFailure_TrueFromTheFirstSuccess_TimesExact()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var before = DateTimeOffset.UtcNow;
        var source = await h.StartSourceAsync(new RecordingCatalogSink());
        await Eventually.TrueAsync(() => source.Connected && h.Server.OpenWatches == 3, "connected and watching");
        var up = source.ConnectedChangedAt!.Value;
        Assert.InRange(up, before, DateTimeOffset.UtcNow);
        Assert.Equal(up, source.Status.ConnectedChangedAt);

        var lost = DateTimeOffset.UtcNow;
        await h.Server.StopAsync();
        await Eventually.TrueAsync(() => !source.Connected, "loss noticed");
        var down = source.ConnectedChangedAt!.Value;
        Assert.InRange(down, lost, DateTimeOffset.UtcNow);

        // Every failed retry while the API is away leaves the time alone: it says since when.
        var retries = h.Policy.Inputs.Count;
        await Eventually.TrueAsync(() => h.Policy.Inputs.Count >= retries + 3, "retried while away");
        Assert.False(source.Connected);
        Assert.Equal(down, source.ConnectedChangedAt);

        var back = DateTimeOffset.UtcNow;
        h.Server.Start();
        await Eventually.TrueAsync(() => source.Connected, "connected again");
        Assert.InRange(source.ConnectedChangedAt!.Value, back, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task OneWatchFailing_NotConnected_EvenWhileTheOthersDeliver()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        // A long pause before the failed watch is tried again, so the others go on delivering meanwhile.
        var source = await h.StartSourceAsync(sink, h.Options() with { BackoffInitial = TimeSpan.FromSeconds(3), BackoffMax = TimeSpan.FromSeconds(3) });
        await Eventually.TrueAsync(() => source.Connected && h.Server.OpenWatches == 3, "connected and watching");

        // The services watch is refused (403) when it reopens after its stream is cut.
        h.Cluster.SetForbidden(FakeCluster.Services, true);
        h.Server.CutWatches();
        await Eventually.TrueAsync(() => !source.Connected, "failing watch noticed");
        var down = source.ConnectedChangedAt;

        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-c", "10.244.2.0/24", "192.168.1.30"));
        await Eventually.TrueAsync(() => sink.Get<MeshNode>(CatalogObjectKind.Node, "node-c") is not null, "the nodes watch still delivers");
        Assert.False(source.Connected);
        Assert.Equal(down, source.ConnectedChangedAt);

        h.Cluster.SetForbidden(FakeCluster.Services, false);
        await Eventually.TrueAsync(() => source.Connected, "the services watch reopened");
        Assert.True(source.ConnectedChangedAt > down);
    }
}
