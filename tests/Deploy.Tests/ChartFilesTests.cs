using PluginMesh.Deploy.Tests.Rendering;
using PluginMesh.Deploy.Tests.Support;

namespace PluginMesh.Deploy.Tests;

/// <summary>Chart files that must stay in step with the rest of the repository.</summary>
[Trait("Category", "Deploy")]
public sealed class ChartFilesTests
{
    [Fact]
    public void ChartPolicies_AreExactCopiesOfTheRepositoryPolicies()
    {
        // helm package can only carry files inside the chart, so the scripts are copied; a change to
        // policies/*.js must be copied to deploy/helm/pluginmesh/policies/ (and the manifests regenerated).
        var repo = Directory.GetFiles(Path.Combine(Repo.Root, "policies"), "*.js").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var chart = Directory.GetFiles(Path.Combine(Repo.ChartDirectory, "policies"), "*.js").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(repo, chart);
        Assert.All(repo, name => Assert.True(
            File.ReadAllText(Path.Combine(Repo.Root, "policies", name!)) == File.ReadAllText(Path.Combine(Repo.ChartDirectory, "policies", name!)),
            $"deploy/helm/pluginmesh/policies/{name} differs from policies/{name}"));
    }

    [Fact]
    public void EveryTopLevelValue_IsDocumentedByAComment()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.ChartDirectory, "values.yaml"));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line[0] is ' ' or '#') continue;
            Assert.True(i > 0 && lines[i - 1].StartsWith('#'), $"values.yaml line {i + 1} '{line}' has no comment above it");
        }
    }

    [Fact]
    public void ChartMetadata_IsHelm3_AndNotesRender()
    {
        var chart = (Dictionary<string, object?>)YamlModel.Load(File.ReadAllText(Path.Combine(Repo.ChartDirectory, "Chart.yaml")))!;
        Assert.Equal("v2", chart["apiVersion"]);
        Assert.Equal("pluginmesh", chart["name"]);
        var notes = new HelmChart(Repo.ChartDirectory).Render("edge", "kubeedge").Texts["NOTES.txt"];
        Assert.Contains("kubectl -n kubeedge edit configmap edge-policies", notes, StringComparison.Ordinal);
    }
}
