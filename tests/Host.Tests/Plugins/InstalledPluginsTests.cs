using System.Collections;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Tests.Plugins;

/// <summary>
/// Which folders the agent loads: a plugin whose assembly declares its id (as every shipped plugin
/// does) is loaded only when the configuration enables it; one that declares none is loaded to learn it.
/// </summary>
public sealed class InstalledPluginsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void TryDeclaredId_ReadsTheAssemblyMetadata_NullWhenThereIsNone()
    {
        Assert.Equal("test.declared", EntryAssembly.TryDeclaredId(TestPaths.TestPlugin("Declared")));
        Assert.Null(EntryAssembly.TryDeclaredId(TestPaths.TestPlugin("Good")));
        Assert.Null(EntryAssembly.TryDeclaredId(_tmp.File("junk.dll", "not a PE file")));
        Assert.Equal("catalog.file", EntryAssembly.TryDeclaredId(Path.Combine(TestPaths.PluginsDir, "Catalog.File", "PluginMesh.Plugins.Catalog.File.dll")));
    }

    [Fact]
    public void LoadFor_DeclaredIdNotAskedFor_IsListedDisabledWithoutLoading_UndeclaredIsLoaded()
    {
        var installed = new InstalledPlugins([_tmp.Plugins("Declared", "Good")], NullLogger.Instance);
        installed.LoadFor([]);
        var rows = installed.Listed.ToDictionary(p => p.Id);
        Assert.Equal(["test.declared", "test.good"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Null(rows["test.declared"].Loader);
        Assert.Null(rows["test.declared"].Instance);
        Assert.Null(rows["test.declared"].Error);
        Assert.Equal(PluginState.Disabled, rows["test.declared"].State);
        Assert.Equal(Path.Combine(_tmp.Path, "plugins", "Declared", "Declared.dll"), rows["test.declared"].Path);
        // No id in its metadata: only loading tells which plugin it is.
        Assert.NotNull(rows["test.good"].Loader);
        Assert.DoesNotContain(installed.Loaded, p => p.Id == "test.declared");

        installed.LoadFor(["test.declared"]);
        var loaded = installed.Listed.Single(p => p.Id == "test.declared");
        Assert.NotNull(loaded.Instance);
        Assert.Null(loaded.Error);
    }

    [Fact]
    public void LoadOne_DeclaredIdUnlikeTheDescriptor_FailsUnderTheDeclaredId_NamingBoth()
    {
        var dll = TestPaths.TestPlugin("Misdeclared");
        var p = PluginDiscovery.LoadOne("Misdeclared", dll, EntryAssembly.TryDeclaredId(dll));
        Assert.Equal("test.other", p.Id);
        Assert.Equal(PluginState.Failed, p.State);
        Assert.Equal("its assembly declares plugin id 'test.other' (PluginMesh.PluginId metadata) but its descriptor says 'test.misdeclared'; make them the same", p.Error);
    }

    [Theory]
    [InlineData("profile: none\nplugins:\n  test.good: {}", "not in profile 'none' and no plugins.test.declared section")]
    [InlineData("profile: none\nplugins:\n  test.declared:\n    enabled: false", "plugins.test.declared.enabled is false")]
    public void Compose_DisabledPluginThatDeclaresItsId_IsNotLoaded_AndSaysWhyItIsDisabled(string yaml, string because)
    {
        var (set, problems) = Compose(yaml, _tmp.Plugins("Declared", "Good"));
        Assert.Empty(problems);
        var declared = set.All.Single(p => p.Id == "test.declared");
        Assert.Null(declared.Loader);
        Assert.False(declared.Enabled);
        Assert.Equal(because, declared.DisabledBecause);
        Assert.DoesNotContain(declared, set.Ordered);
    }

    [Fact]
    public void Compose_EnabledPluginThatDeclaresItsId_IsLoadedAndOrdered()
    {
        var (set, problems) = Compose("profile: none\nplugins:\n  test.declared: {}", _tmp.Plugins("Declared", "Good"));
        Assert.Empty(problems);
        var declared = Assert.Single(set.Ordered);
        Assert.Equal("test.declared", declared.Id);
        Assert.NotNull(declared.Instance);
        Assert.Equal("not in profile 'none' and no plugins.test.good section", set.All.Single(p => p.Id == "test.good").DisabledBecause);
    }

    [Fact]
    public void Compose_SameDeclaredIdInTwoFolders_FailsBothWhenEnabled_LoadsNeitherWhenNot()
    {
        var dir = _tmp.Plugins("Declared");
        _tmp.PluginFolder("copy.declared", "Declared");

        var (set, problems) = Compose("profile: none", dir);
        Assert.Empty(problems);
        Assert.All(set.All, p => Assert.Null(p.Loader));

        (set, problems) = Compose("profile: none\nplugins:\n  test.declared: {}", dir);
        Assert.Contains(problems, p => p.Contains("duplicate plugin id 'test.declared'", StringComparison.Ordinal));
        Assert.All(set.All, p => Assert.Equal(PluginState.Failed, p.State));
    }

    private (PluginSet Set, List<string> Problems) Compose(string yaml, string pluginsDir)
    {
        var config = ConfigLoader.Load(_tmp.File("config.yaml", yaml), new Hashtable());
        var problems = new List<ConfigProblem>(config.Problems);
        var settings = HostSettingsBinder.Bind(config.Root, problems);
        var set = PluginComposer.Compose(config.Root, config.ExplicitPluginIds, settings.ProfilePlugins, new InstalledPlugins([pluginsDir], NullLogger.Instance), problems, NullLogger.Instance);
        return (set, problems.Select(p => p.ToString()).ToList());
    }
}
