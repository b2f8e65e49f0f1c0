using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Cache.LiteDb.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void ConfigExample_InReadme_ValidatesAndMeansWhatItSays()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "plugin-README.md"));
        var start = readme.IndexOf("```yaml\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no ```yaml example");
        start += "```yaml\n".Length;
        var yaml = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var section = (YamlMappingNode)((YamlMappingNode)root["plugins"])["cache.litedb"];
        var values = section.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value!,
            kv => ((YamlScalarNode)kv.Value).Value,
            StringComparer.OrdinalIgnoreCase);
        var configuration = new TestConfiguration(values);

        var problems = new List<ConfigProblem>();
        new CacheLiteDbPlugin().Validate(new PluginValidationContext("cache.litedb", configuration, "plugins.cache.litedb", problems));
        Assert.Empty(problems);

        var options = CacheOptions.Read(configuration, "/data", (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(new CacheOptions("/var/lib/pluginmesh/cache.db", CacheOptions.DefaultMaxDocumentBytes), options);
    }
}
