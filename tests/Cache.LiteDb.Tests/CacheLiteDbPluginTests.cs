using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Records;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class CacheLiteDbPluginTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Meter _meter = new("PluginMesh.cache.litedb." + Guid.NewGuid().ToString("N"));
    private readonly ActivitySource _activitySource = new("PluginMesh.cache.litedb");

    public void Dispose()
    {
        _meter.Dispose();
        _activitySource.Dispose();
        _dir.Dispose();
    }

    private (CacheLiteDbPlugin Plugin, TestServiceProvider Services) Configure(params (string Key, string? Value)[] config)
    {
        var plugin = new CacheLiteDbPlugin();
        var services = new ServiceCollection();
        var node = new NodeSettings("node-a", _dir.Path, Path.Combine(_dir.Path, "policies"));
        plugin.ConfigureServices(services, new PluginContext("cache.litedb", DictionaryConfiguration.Of(config), node, _meter, _activitySource));
        return (plugin, new TestServiceProvider(services, new ListLogger<LiteDbStateCache>()));
    }

    [Fact]
    public void Descriptor_DeclaresCacheCapabilityAndCurrentApi()
    {
        var descriptor = new CacheLiteDbPlugin().Descriptor;

        Assert.Equal("cache.litedb", descriptor.Id);
        Assert.Equal(AbstractionsApi.Version, descriptor.ApiVersion);
        Assert.Equal([Capabilities.Cache], descriptor.Provides);
        Assert.Empty(descriptor.Requires);
        Assert.Empty(descriptor.Uses);
    }

    [Fact]
    public async Task Lifecycle_ResolveStartWriteStop_OpensOnlyAtStartAndPersists()
    {
        var (plugin, services) = Configure();
        var cache = services.GetRequiredService<IStateCache>();
        var hosted = Assert.Single(services.GetAll<IHostedService>());
        var peers = cache.Collection<EndpointEntry>(CacheCollections.Peers);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));

        await hosted.StartAsync(CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(_dir.Path, "cache.db")));
        await peers.UpsertAsync("QmPeer", new EndpointEntry("192.168.1.4", 4001, "node-b"));

        var status = Assert.IsType<CacheStatus>(plugin.GetStatus());
        Assert.Equal(Path.Combine(_dir.Path, "cache.db"), status.Path);
        Assert.Equal(1, status.ChangeSequence);
        Assert.Equal(1, status.Documents[CacheCollections.Peers]);
        Assert.True(status.SizeBytes > 0);
        Assert.Same(plugin, Assert.Single(services.GetAll<IStatusContributor>()));
        Assert.Equal("cache", plugin.Section);

        await hosted.StopAsync(CancellationToken.None);
        await hosted.StopAsync(CancellationToken.None);

        using var reopened = TestCaches.Open(Path.Combine(_dir.Path, "cache.db"));
        Assert.Equal("192.168.1.4", reopened.Collection<EndpointEntry>(CacheCollections.Peers).Get("QmPeer")!.Address);
    }

    [Fact]
    public async Task CatalogCache_IsRegistered_AndKeepsCatalogsInTheSameFile()
    {
        var (_, services) = Configure();
        var catalog = services.GetRequiredService<ICatalogCache>();
        var hosted = Assert.Single(services.GetAll<IHostedService>());
        await hosted.StartAsync(CancellationToken.None);

        await catalog.ReplaceAsync("file", SampleCatalog.State, CancellationToken.None);

        var cache = services.GetRequiredService<IStateCache>();
        Assert.Equal(3, cache.ChangeSequence);
        Assert.Equal(2, cache.Info.Documents["file_catalog_services"]);
        await hosted.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Start_WhenFileIsLocked_ThrowsAndStopIsStillSafe()
    {
        var path = _dir.File("locked.db");
        using var owner = TestCaches.Open(path);
        var (_, services) = Configure(("path", path));
        var hosted = Assert.Single(services.GetAll<IHostedService>());

        var ex = await Assert.ThrowsAsync<PluginMeshException>(() => hosted.StartAsync(CancellationToken.None));
        Assert.Equal("open cache", ex.Action);

        await hosted.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void ConfigureServices_InvalidSection_ThrowsEveryProblem()
    {
        var ex = Assert.Throws<ConfigValidationException>(() => Configure(("path", ""), ("maxDocumentBytes", "-1")));

        Assert.Equal(["plugins.cache.litedb.maxDocumentBytes", "plugins.cache.litedb.path"], ex.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GetStatus_BeforeTheCacheExists_ReportsConfiguredPathAndZeros()
    {
        var (plugin, _) = Configure(("path", "state/agent.db"));

        var status = Assert.IsType<CacheStatus>(plugin.GetStatus());

        Assert.Equal(Path.Combine(_dir.Path, "state", "agent.db"), status.Path);
        Assert.Equal(0, status.ChangeSequence);
        Assert.Empty(status.Documents);
    }

    [Fact]
    public async Task Metrics_WritesDocumentsSizeAndRecoveries_AreReported()
    {
        File.WriteAllText(_dir.File("cache.db"), "not a database");
        var (_, services) = Configure();
        var cache = services.GetRequiredService<IStateCache>();
        var measurements = new List<(string Name, long Value, string? Tag)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == _meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? collection = null;
            foreach (var tag in tags)
            {
                if (tag.Key is "collection" or "outcome") collection = (string?)tag.Value;
            }

            lock (measurements) measurements.Add((instrument.Name, value, collection));
        });
        listener.Start();

        await cache.Collection<EndpointEntry>("peers").UpsertManyAsync([
            new("a", new EndpointEntry("10.0.0.1", 1, null)), new("b", new EndpointEntry("10.0.0.2", 1, null))]);
        await cache.Collection<EndpointEntry>("peers").DeleteAsync("a");
        listener.RecordObservableInstruments();
        // The backup taken at start reports from its own thread: read a snapshot.
        List<(string Name, long Value, string? Tag)> seen;
        lock (measurements) seen = [.. measurements];

        Assert.Equal(2, seen.Count(m => m is ("pluginmesh.cache.writes", 1, "peers")));
        Assert.Contains(("pluginmesh.cache.recoveries", 1L, (string?)CacheRecovery.StartedEmpty), seen);
        Assert.Contains(("pluginmesh.cache.documents", 1L, "peers"), seen);
        Assert.Contains(seen, m => m.Name == "pluginmesh.cache.size" && m.Value >= CacheFileCheck.PageSize);
        ((IDisposable)services.GetRequiredService<LiteDbStateCache>()).Dispose();
    }
}
