using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using PluginMesh.Plugins.Cache.LiteDb;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.FakeApi;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// The plugin wired as the host wires it: the host's catalog sink, the host's resync policy
/// (<see cref="DefaultResyncPolicy"/>, what answers behind <c>policies/resync.js</c>) and the
/// real <c>cache.litedb</c>.
/// </summary>
public sealed class CatalogKubernetesPluginTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("catalog-kubernetes-plugin-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task ConfigureServices_WithTheHostsPolicyAndTheCache_ListsIntoSinkAndCache()
    {
        await using var server = new FakeApiServer();
        server.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        server.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.1.0/24", "192.168.1.20"));
        server.Start(0);
        await using var cache = await PluginServices.StartAsync(new CacheLiteDbPlugin(), _data);
        var sink = new RecordingCatalogSink();

        await using var plugin = await PluginServices.StartAsync(new CatalogKubernetesPlugin(), _data, services =>
        {
            services.AddSingleton<ICatalogSink>(sink);
            services.AddSingleton<IResyncPolicy>(new DefaultResyncPolicy());
            services.AddSingleton(cache.Get<ICatalogCache>());
        }, ("apiServer", server.Url.ToString()));

        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web") is not null, "listed into the sink");
        await Eventually.TrueAsync(() => cache.Get<ICatalogCache>().Restore(KubernetesCatalogSource.SourceName)
            .Any(c => c is { Kind: CatalogObjectKind.Node, Key: "node-b", Value: MeshNode }), "listed into the cache");
        Assert.True(plugin.Get<KubernetesCatalogSource>().Synced);
    }
}
