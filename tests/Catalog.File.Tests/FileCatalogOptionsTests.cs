using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Plugins.Catalog.File.Tests;

public sealed class FileCatalogOptionsTests
{
    private static List<ConfigProblem> Validate(DictionaryConfiguration section)
    {
        var problems = new List<ConfigProblem>();
        new CatalogFilePlugin().Validate(new PluginValidationContext(CatalogFilePlugin.PluginId, section, "plugins.catalog.file", problems));
        return problems;
    }

    [Fact]
    public void Validate_ReadmeExample_HasNoProblem()
    {
        var section = ReadmeYaml.PluginSection(RepoPaths.Of("plugins/Catalog.File/README.md"), CatalogFilePlugin.PluginId);
        Assert.Empty(Validate(section));
        var options = FileCatalogOptions.Read(section, (_, m) => Assert.Fail(m));
        Assert.Equal(TimeSpan.FromSeconds(5), options.PollInterval);
        Assert.True(Path.IsPathRooted(options.Path));
    }

    [Theory]
    [InlineData(null, null, null, "plugins.catalog.file.path", "required")]
    [InlineData("  ", null, null, "plugins.catalog.file.path", "required")]
    [InlineData("/tmp", null, null, "plugins.catalog.file.path", "is a directory")]
    [InlineData("/etc/c.yaml", "0", null, "plugins.catalog.file.pollIntervalSeconds", "from 1 to 3600")]
    [InlineData("/etc/c.yaml", "soon", null, "plugins.catalog.file.pollIntervalSeconds", "from 1 to 3600")]
    [InlineData("/etc/c.yaml", null, "x", "plugins.catalog.file.pathh", "unknown key")]
    public void Validate_BadSection_ReportsKeyPath(string? path, string? poll, string? typo, string key, string message)
    {
        var values = new List<(string, string?)> { ("enabled", "true") };
        if (path is not null) values.Add(("path", path));
        if (poll is not null) values.Add(("pollIntervalSeconds", poll));
        if (typo is not null) values.Add(("pathh", typo));

        var problems = Validate(DictionaryConfiguration.Of([.. values]));

        var problem = Assert.Single(problems);
        Assert.Equal(key, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Descriptor_ProvidesCatalogSourceAndUsesCache()
    {
        var descriptor = new CatalogFilePlugin().Descriptor;
        Assert.Equal("catalog.file", descriptor.Id);
        Assert.Equal(AbstractionsApi.Version, descriptor.ApiVersion);
        Assert.Equal([Capabilities.CatalogSource], descriptor.Provides);
        Assert.Equal([Capabilities.Cache], descriptor.Uses);
        Assert.Empty(descriptor.Requires);
    }
}
