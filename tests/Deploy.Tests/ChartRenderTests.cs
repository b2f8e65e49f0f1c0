using PluginMesh.Deploy.Tests.Rendering;
using PluginMesh.Deploy.Tests.Support;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The chart rendered offline (no helm binary can be installed here) by the test's own renderer for
/// the Go-template subset the chart keeps to, compared with the plain manifests so the two cannot
/// drift. No live cluster was used: these checks are structural.
/// </summary>
[Trait("Category", "Deploy")]
public sealed class ChartRenderTests
{
    private static readonly HelmChart Chart = new(Repo.ChartDirectory);

    [Fact]
    public void DefaultRender_EqualsThePlainManifests_DocumentForDocument_ButForTheGeneratedKey()
    {
        var all = Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty());
        // The chart's one random object: a mesh key in a file everyone downloads would be no key, so
        // the plain manifests leave it out and their install steps create it.
        Assert.Matches(PskSecretTests.SwarmKeyPattern(), PskSecretTests.KeyOf(all.Single("Secret", "pluginmesh-psk")));
        var rendered = all with { Documents = all.Documents.Where(d => d["kind"] as string != "Secret").ToList() };
        var plain = HelmChart.SortForInstall(YamlModel.LoadAll(File.ReadAllText(Repo.Manifests)).Cast<Dictionary<string, object?>>());
        var message = "deploy/manifests/pluginmesh.yaml differs from the chart rendered with default values; rendered:\n" + rendered.AllText();
        Assert.True(rendered.Documents.Count == plain.Count, $"{rendered.Documents.Count} rendered vs {plain.Count} plain documents. {message}");
        for (var i = 0; i < plain.Count; i++)
        {
            Assert.True(YamlModel.DeepEquals(rendered.Documents[i], plain[i], $"document {i} ({plain[i]["kind"]})", out var where), where + "\n" + message);
        }
    }

    [Fact]
    public void DefaultRender_HasExactlyTheExpectedObjects()
    {
        var kinds = Chart.Render("pluginmesh", "pluginmesh").Documents
            .Select(d => $"{d["kind"]}/{((Dictionary<string, object?>)d["metadata"]!)["name"]}").ToList();
        Assert.Equal(
            ["ServiceAccount/pluginmesh", "Secret/pluginmesh-psk", "ConfigMap/pluginmesh-config", "ConfigMap/pluginmesh-policies",
             "ClusterRole/pluginmesh", "ClusterRoleBinding/pluginmesh", "DaemonSet/pluginmesh"],
            kinds);
    }
}
