using System.Collections.Frozen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Cache.LiteDb.Catalog;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>
/// Entry type of <c>cache.litedb</c>: the persistent <see cref="IStateCache"/> on one LiteDB file
/// that lets an agent restart and keep serving with the cloud gone, and on it the
/// <see cref="ICatalogCache"/> that catalog sources keep their last published state in.
/// </summary>
public sealed class CacheLiteDbPlugin : IPluginMeshPlugin, IStatusContributor
{
    /// <summary>The plugin id and configuration section name.</summary>
    public const string PluginId = "cache.litedb";

    private LiteDbStateCache? _cache;
    private CacheOptions? _options;

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; } = new(
        PluginId,
        typeof(CacheLiteDbPlugin).Assembly.GetName().Version ?? new Version(0, 0),
        AbstractionsApi.Version,
        Provides: [Capabilities.Cache],
        Requires: [],
        Uses: [],
        "Persistent state cache (catalog, directory, peers, relay history) on one LiteDB file");

    /// <inheritdoc />
    public string Section => "cache";

    /// <inheritdoc />
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CacheOptions.Read(context.Section, dataDirectory: null, context.Error);
    }

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);

        var problems = new List<ConfigProblem>();
        var prefix = "plugins." + PluginId;
        var options = CacheOptions.Read(context.Configuration, context.Node.DataDirectory,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join(prefix, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);
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
