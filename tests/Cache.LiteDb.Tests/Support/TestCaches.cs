using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>Builds caches on real files the way the plugin does.</summary>
public static class TestCaches
{
    internal static LiteDbStateCache Create(string path, ILogger<LiteDbStateCache>? logger = null, Meter? meter = null, int maxDocumentBytes = CacheOptions.DefaultMaxDocumentBytes) =>
        Create(new CacheOptions(path, maxDocumentBytes), logger, meter);

    /// <summary>A cache with the given options; <paramref name="files"/> replaces the real fsync (it may record and then sync).</summary>
    internal static LiteDbStateCache Create(CacheOptions options, ILogger<LiteDbStateCache>? logger = null, Meter? meter = null, IFileSync? files = null) =>
        new(options,
            logger ?? NullLogger<LiteDbStateCache>.Instance,
            TimeProvider.System,
            meter ?? new Meter("test." + Guid.NewGuid().ToString("N")),
            files ?? OsFileSync.Instance);

    internal static LiteDbStateCache Open(string path, ILogger<LiteDbStateCache>? logger = null)
    {
        var cache = Create(path, logger);
        cache.Open();
        return cache;
    }

    internal static LiteDbStateCache Open(CacheOptions options, ILogger<LiteDbStateCache>? logger = null, Meter? meter = null, IFileSync? files = null)
    {
        var cache = Create(options, logger, meter, files);
        cache.Open();
        return cache;
    }
}
