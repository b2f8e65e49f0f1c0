using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Host.Policies.Defaults;
using PluginMesh.Plugins.Cache.LiteDb;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Publishing;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Mapping;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

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

    // The plugin as the host wires it (the sink, the host's resync policy, the cache), plus what another plugin would register.
    private Task<PluginServices> StartPluginAsync(FakeApiServer server, PluginServices cache, RecordingCatalogSink sink, Action<IServiceCollection>? more = null) =>
        PluginServices.StartAsync(new CatalogKubernetesPlugin(), _data, services =>
        {
            services.AddSingleton<ICatalogSink>(sink);
            services.AddSingleton<IResyncPolicy>(new DefaultResyncPolicy());
            services.AddSingleton(cache.Get<ICatalogCache>());
            more?.Invoke(services);
        }, ("apiServer", server.Url.ToString()));

    [Fact]
    public async Task ConfigureServices_WithTheHostsPolicyAndTheCache_ListsIntoSinkAndCache()
    {
        await using var server = new FakeApiServer();
        server.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        server.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.1.0/24", "192.168.1.20"));
        server.Start(0);
        await using var cache = await PluginServices.StartAsync(new CacheLiteDbPlugin(), _data);
        var sink = new RecordingCatalogSink();

        await using var plugin = await StartPluginAsync(server, cache, sink);

        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web") is not null, "listed into the sink");
        // Synced is set once the list's cache rewrite is done (the sink hears first): reading the cache
        // while that rewrite drops and refills its collections fails in LiteDB ("page type must be collection page").
        await Eventually.TrueAsync(() => plugin.Get<KubernetesCatalogSource>().Synced, "synced");
        await Eventually.TrueAsync(() => cache.Get<ICatalogCache>().Restore(KubernetesCatalogSource.SourceName)
            .Any(c => c is { Kind: CatalogObjectKind.Node, Key: "node-b", Value: MeshNode }), "listed into the cache");
        Assert.True(plugin.Get<KubernetesCatalogSource>().Synced);
    }

    // Another plugin (gateway.istio) registers the kinds it needs in the same container; registered twice, watched once.
    [Fact]
    public async Task ConfigureServices_ResourceTypesRegisteredByAnotherPlugin_AreListedIntoTheSink()
    {
        await using var server = new FakeApiServer();
        server.Cluster.InstallCustomResource("networking.istio.io", "Gateway", "gateways", "v1");
        server.Cluster.Put(FakeObjects.CustomResource("networking.istio.io/v1", "Gateway", "demo", "gw", new System.Text.Json.Nodes.JsonObject()));
        server.Start(0);
        await using var cache = await PluginServices.StartAsync(new CacheLiteDbPlugin(), _data);
        var sink = new RecordingCatalogSink();

        await using var plugin = await StartPluginAsync(server, cache, sink, services =>
        {
            services.AddSingleton(new CatalogResourceType("networking.istio.io", "Gateway", "gateways", ["v1", "v1beta1"]));
            services.AddSingleton(new CatalogResourceType("networking.istio.io", "Gateway", "gateways", ["v1", "v1beta1"]));
            services.AddSingleton(new CatalogResourceType("networking.istio.io", "VirtualService", "virtualservices", ["v1", "v1beta1"]));
        });

        await Eventually.TrueAsync(() => sink.Get<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/gw") is not null, "gateway listed into the sink");
        // The sink hears before status is updated: wait for the list to be complete.
        var source = plugin.Get<KubernetesCatalogSource>();
        await Eventually.TrueAsync(() => source.Synced, "synced");
        Assert.Equal([("Gateway.networking.istio.io", "watching"), ("VirtualService.networking.istio.io", "not-served")],
            source.Status.Resources.Select(r => (r.Kind, r.State)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    public async Task ConfigureServices_WithALocalPeer_PublishesOnItsOwnNodeUnlessSwitchedOff(string? publish)
    {
        await using var server = new FakeApiServer();
        server.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("test-node", "10.244.1.0/24", "192.168.1.10"));
        server.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.2.0/24", "192.168.1.20"));
        server.Start(0);
        await using var cache = await PluginServices.StartAsync(new CacheLiteDbPlugin(), _data);
        var peer = new TestLocalPeer(TestPeers.Self);
        peer.Announce("/ip4/192.168.1.10/tcp/4001");

        await using var plugin = await PluginServices.StartAsync(new CatalogKubernetesPlugin(), _data, services =>
        {
            services.AddSingleton<ICatalogSink>(new RecordingCatalogSink());
            services.AddSingleton<IResyncPolicy>(new DefaultResyncPolicy());
            services.AddSingleton(cache.Get<ICatalogCache>());
            services.AddSingleton<ILocalPeer>(peer);
        }, ("apiServer", server.Url.ToString()), ("publish", publish));

        var source = plugin.Get<KubernetesCatalogSource>();
        if (publish == "false")
        {
            await Eventually.TrueAsync(() => source.Synced, "listed");
            Assert.Equal((PublishStates.Off, "publish: false"), (source.Status.Publish!.State, source.Status.Publish.Reason));
            Assert.Empty(server.Cluster.Patches);
            return;
        }

        // The node name comes from the agent's configuration ("test-node" here); no other Node is written.
        await Eventually.TrueAsync(() => source.Status.Publish!.State == PublishStates.Published, "published");
        Assert.Equal([(FakeCluster.Nodes, "test-node")], server.Cluster.Patches);
        Assert.Equal(TestPeers.Self.ToString(),
            server.Cluster.Get(FakeCluster.Nodes, "test-node")!["metadata"]!["annotations"]![AgentAnnotations.PeerIdKey]!.GetValue<string>());
    }
}
