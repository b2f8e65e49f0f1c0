using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class CacheOptionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static List<ConfigProblem> Validate(DictionaryConfiguration section)
    {
        var problems = new List<ConfigProblem>();
        new CacheLiteDbPlugin().Validate(new PluginValidationContext("cache.litedb", section, "plugins.cache.litedb", problems));
        return problems;
    }

    public static TheoryData<string, string, string, string> BadValues() => new()
    {
        { "path", "", "plugins.cache.litedb.path", "must not be empty" },
        { "path", "   ", "plugins.cache.litedb.path", "must not be empty" },
        { "path", "/var/lib/pluginmesh/", "plugins.cache.litedb.path", "names a directory" },
        { "path", "/tmp", "plugins.cache.litedb.path", "'/tmp' is a directory" },
        { "path", "cache\0.db", "plugins.cache.litedb.path", "NUL" },
        { "maxDocumentBytes", "-1", "plugins.cache.litedb.maxDocumentBytes", "must be positive (got -1)" },
        { "maxDocumentBytes", "0", "plugins.cache.litedb.maxDocumentBytes", "must be positive (got 0)" },
        { "maxDocumentBytes", "1MiB", "plugins.cache.litedb.maxDocumentBytes", "'1MiB' is not a whole number of bytes" },
        { "maxDocumentBytes", "99999999999", "plugins.cache.litedb.maxDocumentBytes", "is not a whole number" },
        { "maxDocumentBytes", "16777216", "plugins.cache.litedb.maxDocumentBytes", "must be at most 8388608" },
        { "maxDocumentByte", "100", "plugins.cache.litedb.maxDocumentByte", "unknown key; expected one of: path, maxDocumentBytes, sync, syncIntervalMs, backupIntervalSeconds" },
        { "sync", "fsync", "plugins.cache.litedb.sync", "'fsync' is not one of: always, periodic, os" },
        { "sync", "", "plugins.cache.litedb.sync", "'' is not one of: always, periodic, os" },
        { "syncIntervalMs", "5", "plugins.cache.litedb.syncIntervalMs", "must be between 10 and 60000 milliseconds (got 5)" },
        { "syncIntervalMs", "1s", "plugins.cache.litedb.syncIntervalMs", "'1s' is not a whole number of milliseconds" },
        { "backupIntervalSeconds", "30", "plugins.cache.litedb.backupIntervalSeconds", "must be 0 (only at start) or at least 60 (got 30)" },
        { "backupIntervalSeconds", "-1", "plugins.cache.litedb.backupIntervalSeconds", "must be between 0 and 604800 seconds (got -1)" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Validate_BadValue_ReportsPathAndReason(string key, string value, string path, string message)
    {
        var problem = Assert.Single(Validate(DictionaryConfiguration.Of((key, value))));

        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DirectoryBelowAFile_ReportsTheFile()
    {
        var file = _dir.File("not-a-dir");
        File.WriteAllText(file, "x");

        var problem = Assert.Single(Validate(DictionaryConfiguration.Of(("path", Path.Combine(file, "sub", "cache.db")))));

        Assert.Equal("plugins.cache.litedb.path", problem.Path);
        Assert.Contains($"'{file}' is a file", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOne()
    {
        var problems = Validate(DictionaryConfiguration.Of(("path", ""), ("maxDocumentBytes", "-5"), ("flushOnWrite", "true")));

        Assert.Equal(
            ["plugins.cache.litedb.flushOnWrite", "plugins.cache.litedb.maxDocumentBytes", "plugins.cache.litedb.path"],
            problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_GoodValues_ReportsNothingAndCreatesNothing()
    {
        var path = Path.Combine(_dir.Path, "not", "yet", "cache.db");

        Assert.Empty(Validate(DictionaryConfiguration.Of(("path", path), ("maxDocumentBytes", "4096"))));
        Assert.Empty(Validate(DictionaryConfiguration.Of()));
        Assert.Empty(Validate(DictionaryConfiguration.Of(("path", "relative/cache.db"))));
        Assert.Empty(Validate(DictionaryConfiguration.Of(("enabled", "true"))));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "not")));
    }

    [Fact]
    public void Read_Defaults_UseDataDirectoryAndOneMebibyte()
    {
        var options = CacheOptions.Read(DictionaryConfiguration.Of(), "/var/lib/pluginmesh", (k, m) => Assert.Fail($"{k}: {m}"));

        Assert.Equal(new CacheOptions("/var/lib/pluginmesh/cache.db", 1 << 20), options);
        Assert.Equal(CacheSyncMode.Periodic, options.Sync);
        Assert.Equal(TimeSpan.FromSeconds(1), options.SyncInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), options.BackupInterval);
    }

    [Theory]
    [InlineData("always", CacheSyncMode.Always)]
    [InlineData("Periodic", CacheSyncMode.Periodic)]
    [InlineData("OS", CacheSyncMode.Os)]
    public void Read_SyncModes_IgnoreCase(string raw, CacheSyncMode expected)
    {
        var options = CacheOptions.Read(DictionaryConfiguration.Of(("sync", raw), ("syncIntervalMs", "250"), ("backupIntervalSeconds", "0")), "/d", (k, m) => Assert.Fail($"{k}: {m}"));

        Assert.Equal(expected, options.Sync);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SyncInterval);
        Assert.Equal(TimeSpan.Zero, options.BackupInterval);
    }

    [Fact]
    public void Read_RelativePath_IsUnderDataDirectory()
    {
        var options = CacheOptions.Read(DictionaryConfiguration.Of(("path", "state/agent.db")), "/var/lib/pluginmesh", (k, m) => Assert.Fail($"{k}: {m}"));

        Assert.Equal("/var/lib/pluginmesh/state/agent.db", options.Path);
    }
}
