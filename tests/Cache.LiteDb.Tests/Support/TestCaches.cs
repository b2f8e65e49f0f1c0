using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>Builds caches on real files the way the plugin does.</summary>
public static class TestCaches
{
    internal static LiteDbStateCache Create(string path, ILogger<LiteDbStateCache>? logger = null, Meter? meter = null, int maxDocumentBytes = CacheOptions.DefaultMaxDocumentBytes) =>
        new(new CacheOptions(path, maxDocumentBytes),
            logger ?? NullLogger<LiteDbStateCache>.Instance,
            TimeProvider.System,
            meter ?? new Meter("test." + Guid.NewGuid().ToString("N")));

    internal static LiteDbStateCache Open(string path, ILogger<LiteDbStateCache>? logger = null)
    {
        var cache = Create(path, logger);
        cache.Open();
        return cache;
    }
}
