using System.Diagnostics.Metrics;
using PluginMesh.Plugins.Catalog.Kubernetes.Caching;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.FakeApi;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>A fake API server, the sink, a JSON cache and a source wired together for one test.</summary>
public sealed class KubeHarness : IAsyncDisposable
{
    private readonly List<KubernetesCatalogSource> _sources = [];

    public KubeHarness(FakeApiServer? server = null)
    {
        Server = server ?? new FakeApiServer();
    }

    public FakeApiServer Server { get; }

    public FakeCluster Cluster => Server.Cluster;

    public JsonStateCache Cache { get; } = new();

    public RecordingResyncPolicy Policy { get; } = new();

    public Meter Meter { get; } = new("PluginMesh.catalog.kubernetes.test." + Guid.NewGuid());

    /// <summary>Everything the sources started here logged.</summary>
    public RecordingLogger<KubernetesCatalogSource> Log { get; } = new();

    public KubernetesCatalogOptions Options(string proxyName = KubernetesCatalogOptions.DefaultProxyName) => new(
        Server.Url, null, null, false, proxyName, KubernetesCatalogOptions.DefaultProxyNameLabel,
        ConnectTimeout: TimeSpan.FromSeconds(2),
        RequestTimeout: TimeSpan.FromSeconds(10),
        WatchTimeout: TimeSpan.FromSeconds(60),
        BackoffInitial: TimeSpan.FromMilliseconds(10),
        BackoffMax: TimeSpan.FromMilliseconds(200));

    /// <summary>Creates and starts a source writing to <paramref name="sink"/>.</summary>
    public async Task<KubernetesCatalogSource> StartSourceAsync(RecordingCatalogSink sink, KubernetesCatalogOptions? options = null)
    {
        var source = new KubernetesCatalogSource(options ?? Options(), sink, new CatalogCacheStore(Cache, KubernetesCatalogSource.SourceName),
            Policy, Log, TimeProvider.System, Meter);
        _sources.Add(source);
        await source.StartAsync(CancellationToken.None);
        return source;
    }

    public static async Task StopSourceAsync(KubernetesCatalogSource source)
    {
        await source.StopAsync(CancellationToken.None);
        source.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources)
        {
            try
            {
                await source.StopAsync(CancellationToken.None);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        await Server.DisposeAsync();
        Meter.Dispose();
    }
}
