using System.Collections.Frozen;
using PluginMesh.Plugins.Cache.LiteDb.Catalog;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Entry type of <c>cache.litedb</c>: the persistent <see cref="IStateCache"/> on one LiteDB file
/// that lets an agent restart and keep serving with the cloud gone, and on it the
/// <see cref="ICatalogCache"/> that catalog sources keep their last published state in.
/// </summary>
public sealed class CacheLiteDbPlugin() : PluginMeshPlugin<CacheOptions>(
    PluginId,
    "Persistent state cache (catalog, directory, peers, relay history) on one LiteDB file",
    provides: [Capabilities.Cache]), IStatusContributor
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "cache.litedb";

    private LiteDbStateCache? _cache;
    private CacheOptions? _options;

    /// <inheritdoc />
    public string Section => "cache";

    /// <inheritdoc />
    protected override CacheOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error) =>
        CacheOptions.Read(section, dataDirectory, error);

    /// <inheritdoc />
    protected override void AddServices(IServiceCollection services, PluginContext context, CacheOptions options)
    {
        _options = options;

        // Nothing here touches the file: the hosted service opens it at start.
        services.AddSingleton(sp =>
        {
            var cache = new LiteDbStateCache(
                options,
                sp.GetRequiredService<ILogger<LiteDbStateCache>>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                context.Meter);
            Volatile.Write(ref _cache, cache);
            return cache;
        });
        services.AddSingleton<IStateCache>(sp => sp.GetRequiredService<LiteDbStateCache>());
        services.AddSingleton<ICatalogCache>(sp => new CatalogCache(sp.GetRequiredService<LiteDbStateCache>()));
        services.AddSingleton<IStatusContributor>(this);
        services.AddHostedService(sp => new CacheHostedService(sp.GetRequiredService<LiteDbStateCache>()));
    }

    /// <inheritdoc />
    /// <remarks>A <see cref="CacheStatus"/>. Before the cache is created: the configured path and settings, zero counts.</remarks>
    public object GetStatus()
    {
        if (Volatile.Read(ref _cache) is { } cache) return cache.Status;
        var options = _options ?? new CacheOptions(CacheOptions.DefaultFileName, CacheOptions.DefaultMaxDocumentBytes);
        return new CacheStatus(options.Path, 0, 0, FrozenDictionary<string, long>.Empty, null, null,
            new CacheSyncStatus(JournalSync.Name(options.Sync), options.Sync == CacheSyncMode.Periodic ? (int)options.SyncInterval.TotalMilliseconds : null, -1, null, null, 0, null),
            new CacheBackupStatus(CacheBackup.PathFor(options.Path), (int)options.BackupInterval.TotalSeconds, null, null));
    }
}
