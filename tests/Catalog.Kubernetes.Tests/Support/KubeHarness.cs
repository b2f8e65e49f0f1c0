using System.Diagnostics.Metrics;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Cache.LiteDb;
using PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

/// <summary>
/// A fake API server, the sink, the real cache (<c>cache.litedb</c> on a file of its own) and a
/// source wired together for one test. Sources started one after the other share the cache file,
/// as an agent restarted on the same node does.
/// </summary>
public sealed class KubeHarness : IAsyncDisposable
{
    private readonly List<KubernetesCatalogSource> _sources = [];
    private readonly List<NodeAnnotationPublisher> _publishers = [];
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("catalog-kubernetes-").FullName;
    private PluginServices? _cache;

    public KubeHarness(FakeApiServer? server = null)
    {
        Server = server ?? new FakeApiServer();
    }

    public FakeApiServer Server { get; }

    public FakeCluster Cluster => Server.Cluster;


    public RecordingResyncPolicy Policy { get; } = new();

    public Meter Meter { get; } = new("PluginMesh.catalog.kubernetes.test." + Guid.NewGuid());

    /// <summary>Everything the sources started here logged.</summary>
    public RecordingLogger<KubernetesCatalogSource> Log { get; } = new();

    /// <summary>Everything the publishers started here logged.</summary>
    public RecordingLogger<NodeAnnotationPublisher> PublishLog { get; } = new();

    public KubernetesCatalogOptions Options(string proxyName = KubernetesCatalogOptions.DefaultProxyName) => new(
        Server.Url, null, null, false, proxyName, KubernetesCatalogOptions.DefaultProxyNameLabel,
        ConnectTimeout: TimeSpan.FromSeconds(2),
        RequestTimeout: TimeSpan.FromSeconds(10),
        WatchTimeout: TimeSpan.FromSeconds(60),
        BackoffInitial: TimeSpan.FromMilliseconds(10),
        BackoffMax: TimeSpan.FromMilliseconds(200));

    /// <summary>Creates and starts a source writing to <paramref name="sink"/>, telling <paramref name="publisher"/> (when given) about its Node.</summary>
    public async Task<KubernetesCatalogSource> StartSourceAsync(RecordingCatalogSink sink, KubernetesCatalogOptions? options = null,
        NodeAnnotationPublisher? publisher = null, IEnumerable<CatalogResourceType>? resourceTypes = null)
    {
        _cache ??= await PluginServices.StartAsync(new CacheLiteDbPlugin(), _dataDirectory);
        var source = new KubernetesCatalogSource(options ?? Options(), sink, _cache.Get<ICatalogCache>(),
            Policy, Log, TimeProvider.System, Meter, publisher, resourceTypes);
        _sources.Add(source);
        await source.StartAsync(CancellationToken.None);
        return source;
    }

    /// <summary>Creates and starts a publisher of <paramref name="peer"/> on Node <paramref name="node"/>.</summary>
    public async Task<NodeAnnotationPublisher> StartPublisherAsync(string node, ILocalPeer? peer, KubernetesCatalogOptions? options = null)
    {
        var publisher = new NodeAnnotationPublisher(options ?? Options(), node, peer, PublishLog, TimeProvider.System, Meter);
        _publishers.Add(publisher);
        await publisher.StartAsync(CancellationToken.None);
        return publisher;
    }

    /// <summary>What the cache holds for <paramref name="key"/>, read back the way an offline restart reads it.</summary>
    public T? Cached<T>(CatalogObjectKind kind, string key) where T : class =>
        (_cache ?? throw new InvalidOperationException("no source was started")).Get<ICatalogCache>()
            .Restore(KubernetesCatalogSource.SourceName).SingleOrDefault(c => c.Kind == kind && c.Key == key)?.Value as T;

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

        foreach (var publisher in _publishers)
        {
            try
            {
                await publisher.StopAsync(CancellationToken.None);
            }
            catch (ObjectDisposedException)
            {
            }

            publisher.Dispose();
        }

        await Server.DisposeAsync();
        if (_cache is not null) await _cache.DisposeAsync();
        Meter.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
