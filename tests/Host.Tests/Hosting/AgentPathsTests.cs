using Microsoft.Extensions.Configuration;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Hosting;

namespace PluginMesh.Host.Tests.Hosting;

public sealed class AgentPathsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public AgentPathsTests()
    {
        foreach (var d in new[] { "default", "a", "b" }) Directory.CreateDirectory(Path.Combine(_tmp.Path, d));
    }

    public void Dispose() => _tmp.Dispose();

    // Names stand for directories under a temporary folder ("missing" does not exist). Extra
    // directories come after the default one: node.pluginDirs, then each --plugins-dir.
    [Theory]
    [InlineData("", false, "", null, "default", "")]
    [InlineData("a", false, "", null, "default a", "")]
    [InlineData("a b", false, "", null, "default a b", "")]
    [InlineData("a", true, "", null, "a", "")]
    [InlineData("", false, "b", null, "default b", "")]
    [InlineData("a", false, "b", null, "default b a", "")]
    [InlineData("a", false, "b", "false", "b a", "")]
    [InlineData("", true, "", null, "", "")]
    [InlineData("a a/ default", false, "a", null, "default a", "")]
    [InlineData("", false, "b/../a a", null, "default a", "")]
    [InlineData("missing", false, "", null, "default", "--plugins-dir: '{tmp}/missing' is not a directory")]
    [InlineData("", false, "a missing", null, "default a", "node.pluginDirs[1]: '{tmp}/missing' is not a directory")]
    public void PluginDirectories_DefaultThenConfigThenFlags(string flagDirs, bool noDefault, string configDirs, string? defaultPlugins, string expected, string problem)
    {
        var values = new Dictionary<string, string?> { ["profile"] = "none", ["admin:listen"] = "127.0.0.1:0", ["node:defaultPlugins"] = defaultPlugins };
        var configList = Names(configDirs);
        for (var i = 0; i < configList.Length; i++) values[$"node:pluginDirs:{i}"] = Dir(configList[i]);
        var problems = new List<ConfigProblem>();
        var settings = HostSettingsBinder.Bind(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), problems);
        Assert.Empty(problems);

        var dirs = AgentPaths.PluginDirectories(new PluginDirectoryOptions(Names(flagDirs).Select(Dir).ToList(), noDefault), settings, problems, () => Dir("default"));

        Assert.Equal(Names(expected).Select(Dir), dirs);
        Assert.Equal(problem.Length == 0 ? [] : [problem.Replace("{tmp}", _tmp.Path, StringComparison.Ordinal)], problems.Select(p => p.ToString()));
    }

    [Fact]
    public void PluginDirectories_RelativeFlag_FollowsTheWorkingDirectory()
    {
        var settings = HostSettingsBinder.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["profile"] = "none", ["admin:listen"] = "127.0.0.1:0" }).Build(), []);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Dir("a"));
        var dirs = AgentPaths.PluginDirectories(new PluginDirectoryOptions([relative], SkipDefault: true), settings, [], () => Dir("default"));
        Assert.Equal([Dir("a")], dirs);
    }

    private static string[] Names(string list) => list.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private string Dir(string name) => Path.Combine(_tmp.Path, name);
}
