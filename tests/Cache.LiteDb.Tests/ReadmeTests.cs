using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void ConfigExample_InReadme_ValidatesAndMeansWhatItSays()
    {
        var configuration = ReadmeYaml.PluginSection(Path.Combine(AppContext.BaseDirectory, "plugin-README.md"), "cache.litedb");

        var problems = new List<ConfigProblem>();
        new CacheLiteDbPlugin().Validate(new PluginValidationContext("cache.litedb", configuration, "plugins.cache.litedb", problems));
        Assert.Empty(problems);

        var options = CacheOptions.Read(configuration, "/data", (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(new CacheOptions("/var/lib/pluginmesh/cache.db", CacheOptions.DefaultMaxDocumentBytes)
        {
            Sync = CacheSyncMode.Periodic,
            SyncInterval = TimeSpan.FromSeconds(1),
            BackupInterval = TimeSpan.FromMinutes(5),
        }, options);
    }
}
