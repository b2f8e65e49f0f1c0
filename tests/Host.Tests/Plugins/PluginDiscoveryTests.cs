using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Tests.Plugins;

public sealed class PluginDiscoveryTests
{
    [Fact]
    public void LoadOne_GoodPlugin_LoadsWithDescriptor()
    {
        var p = PluginDiscovery.LoadOne("Good", TestPaths.TestPlugin("Good"));
        Assert.Null(p.Error);
        Assert.Equal("test.good", p.Id);
        Assert.Equal(new Version(1, 2, 3), p.Descriptor!.Version);
        Assert.Equal(["test.cap"], p.Descriptor.Provides);
    }

    [Theory]
    [InlineData("Throwing", "threw while loading: InvalidOperationException: boom from the constructor")]
    [InlineData("OldApi", "built against Abstractions API version 0, but this host speaks version 2")]
    [InlineData("MissingDep", "missing dependency: MissingLib")]
    public void LoadOne_BrokenPlugin_ReportsWhy(string name, string expected)
    {
        var p = PluginDiscovery.LoadOne(name, TestPaths.TestPlugin(name));
        Assert.Null(p.Instance);
        Assert.NotNull(p.Error);
        Assert.Contains(expected, p.Error, StringComparison.Ordinal);
        Assert.Equal(PluginState.Failed, p.State);
    }

    [Fact]
    public void LoadAll_DuplicateIds_BothFailNamingBothPaths()
    {
        using var tmp = new TempDir();
        var dir = tmp.Plugins("DuplicateA", "DuplicateB", "Good");
        var all = PluginDiscovery.LoadAll([dir], NullLogger.Instance);
        var dups = all.Where(p => p.Id == "test.dup").ToList();
        Assert.Equal(2, dups.Count);
        Assert.All(dups, d =>
        {
            Assert.StartsWith("duplicate plugin id 'test.dup'", d.Error, StringComparison.Ordinal);
            Assert.Contains("DuplicateA.dll", d.Error, StringComparison.Ordinal);
            Assert.Contains("DuplicateB.dll", d.Error, StringComparison.Ordinal);
        });
        Assert.Null(all.Single(p => p.Id == "test.good").Error);
    }

    [Fact]
    public void LoadAll_FolderWithoutPluginAssembly_IsSkipped()
    {
        using var tmp = new TempDir();
        tmp.File("plugins/Empty/readme.txt", "nothing here");
        var all = PluginDiscovery.LoadAll([Path.Combine(tmp.Path, "plugins")], NullLogger.Instance);
        Assert.Empty(all);
    }

    [Fact]
    public void LoadAll_NotAnAssembly_ReportsIt()
    {
        using var tmp = new TempDir();
        tmp.File("plugins/Junk/Junk.dll", "this is not a PE file");
        var p = Assert.Single(PluginDiscovery.LoadAll([Path.Combine(tmp.Path, "plugins")], NullLogger.Instance));
        Assert.Contains("not a .NET assembly", p.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOne_PluginsGetTheHostsAbstractions_SoInterfacesMatch()
    {
        var p = PluginDiscovery.LoadOne("Good", TestPaths.TestPlugin("Good"));
        Assert.Same(typeof(PluginMesh.Abstractions.Plugins.IPluginMeshPlugin).Assembly,
            p.Instance!.GetType().GetInterfaces().Single(i => i.Name == "IPluginMeshPlugin").Assembly);
    }
}
