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
    [InlineData("OldApi", "built against Abstractions API version 0, but this host speaks version 3")]
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

    // A folder's entry assembly is the DLL named like it, else the one DLL holding a public
    // IPluginMeshPlugin class; a folder with none, or with several candidates, is listed as skipped.
    [Theory]
    [InlineData("extra.good", new[] { "Good" }, "test.good", null)]
    [InlineData("Good", new[] { "Good", "Dependent" }, "test.good", null)]
    [InlineData("extra.two", new[] { "Good", "Dependent" }, "extra.two",
        "2 assemblies hold a plugin entry type: Dependent.dll (PluginMesh.TestPlugins.DependentPlugin), Good.dll (PluginMesh.TestPlugins.GoodPlugin); a folder holds one plugin")]
    [InlineData("extra.lib", new[] { "MissingLib" }, "extra.lib", "no entry type: none of its 1 .dll file(s) has a public class implementing IPluginMeshPlugin")]
    [InlineData("extra.empty", new string[0], "extra.empty", "no .dll in the folder")]
    public void LoadAll_FolderOfAnyName_LoadsItsOneEntryAssemblyOrSaysWhyNot(string folder, string[] contents, string id, string? skipped)
    {
        using var tmp = new TempDir();
        var p = Assert.Single(PluginDiscovery.LoadAll([tmp.PluginFolder(folder, contents)], NullLogger.Instance));
        Assert.Equal(id, p.Id);
        if (skipped is null)
        {
            Assert.Null(p.Error);
            Assert.Equal(PluginState.Disabled, p.State);
            Assert.Equal(Path.Combine(tmp.Path, "plugins", folder, contents[0] + ".dll"), p.Path);
        }
        else
        {
            Assert.Equal(PluginState.Skipped, p.State);
            Assert.Null(p.Instance);
            Assert.StartsWith(skipped, p.Error, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(tmp.Path, "plugins", folder), p.Path);
        }
    }

    [Fact]
    public void LoadAll_ScanIgnoresFilesThatAreNoAssembly_ButSaysSoWhenNothingIsFound()
    {
        using var tmp = new TempDir();
        var dir = tmp.PluginFolder("extra.good", "Good");
        tmp.File("plugins/extra.good/native.dll", "not a PE file");
        tmp.File("plugins/extra.junk/native.dll", "not a PE file");
        var all = PluginDiscovery.LoadAll([dir], NullLogger.Instance).ToDictionary(p => p.Id);
        Assert.Null(all["test.good"].Error);
        Assert.Equal(PluginState.Skipped, all["extra.junk"].State);
        Assert.Contains("could not read native.dll", all["extra.junk"].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryTypes_OnlyReadsMetadata_AndFindsThePublicEntryClass()
    {
        Assert.Equal(["PluginMesh.TestPlugins.GoodPlugin"], EntryAssembly.EntryTypes(TestPaths.TestPlugin("Good")));
        // Abstractions itself declares the interface and implements it nowhere.
        Assert.Empty(EntryAssembly.EntryTypes(typeof(PluginMesh.Abstractions.Plugins.IPluginMeshPlugin).Assembly.Location));
        // The scan must not load what it looks at.
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "MissingLib");
        Assert.Empty(EntryAssembly.EntryTypes(Path.Combine(TestPaths.TestPluginLibsDir, "MissingLib", "MissingLib.dll")));
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "MissingLib");
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
