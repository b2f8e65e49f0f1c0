using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>The real <c>cache.litedb</c> plugin on a real file, started and stopped like the host does.</summary>
internal sealed class LiteDbCache : IAsyncDisposable
{
    private readonly IReadOnlyList<IHostedService> _hosted;

    private LiteDbCache(IStateCache cache, IReadOnlyList<IHostedService> hosted)
    {
        Cache = cache;
        _hosted = hosted;
    }

    public IStateCache Cache { get; }

    public static async Task<LiteDbCache> OpenAsync(string path)
    {
        var services = new ServiceCollection();
        var config = new DictionaryConfiguration(new Dictionary<string, string?> { ["path"] = path });
        var dataDir = Path.GetDirectoryName(path)!;
        new CacheLiteDbPlugin().ConfigureServices(services, new PluginContext(CacheLiteDbPlugin.PluginId, config,
            new NodeSettings("test", dataDir, dataDir), new Meter("test.cache." + Guid.NewGuid().ToString("N")), new ActivitySource("test")));
        var sp = new SingletonServices(services);
        var hosted = sp.GetAll<IHostedService>();
        foreach (var h in hosted) await h.StartAsync(CancellationToken.None);
        return new LiteDbCache((IStateCache)sp.GetService(typeof(IStateCache))!, hosted);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var h in _hosted.Reverse()) await h.StopAsync(CancellationToken.None);
    }
}
