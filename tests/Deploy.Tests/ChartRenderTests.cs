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

    [Fact]
    public void PublishFalse_DropsPatchFromTheRole()
    {
        var plugins = (Dictionary<string, object?>)((Dictionary<string, object?>)Chart.DefaultValues()["config"]!)["plugins"]!;
        ((Dictionary<string, object?>)plugins["catalog.kubernetes"]!)["publish"] = false;
        var role = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["config.plugins"] = plugins }).Single("ClusterRole", "pluginmesh");
        var verbs = ((List<object?>)role["rules"]!).Cast<Dictionary<string, object?>>().SelectMany(r => (List<object?>)r["verbs"]!).Distinct().ToList();
        Assert.Equal(["get", "list", "watch"], verbs.Cast<string>().Order(StringComparer.Ordinal));
    }

    // Secrets are read only for the gateway's TLS certificates: granted while a gateway.istio section is configured, not otherwise.
    [Theory]
    [InlineData(null, false)]
    [InlineData("{}", true)]
    [InlineData("enabled: true", true)]
    [InlineData("enabled: false", false)]
    public void GatewaySection_GrantsReadingSecrets_OnlyWhenTheGatewayIsOn(string? section, bool granted)
    {
        var plugins = (Dictionary<string, object?>)((Dictionary<string, object?>)Chart.DefaultValues()["config"]!)["plugins"]!;
        if (section is not null) plugins["gateway.istio"] = section == "{}" ? new Dictionary<string, object?>() : YamlModel.LoadAll(section).Single();
        var role = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["config.plugins"] = plugins }).Single("ClusterRole", "pluginmesh");
        var secrets = ((List<object?>)role["rules"]!).Cast<Dictionary<string, object?>>()
            .Where(r => ((List<object?>)r["resources"]!).Contains("secrets")).ToList();
        if (!granted)
        {
            Assert.Empty(secrets);
            return;
        }

        var rule = Assert.Single(secrets);
        Assert.Equal([""], ((List<object?>)rule["apiGroups"]!).Cast<string>());
        Assert.Equal(["secrets"], ((List<object?>)rule["resources"]!).Cast<string>());
        Assert.Equal(["get", "list", "watch"], ((List<object?>)rule["verbs"]!).Cast<string>());
    }

    [Fact]
    public void OwnNodePolicy_EqualsThePlainManifest_AndNamesTheAgentsServiceAccount()
    {
        var all = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["rbac.ownNodePolicy"] = true });
        string[] kinds = ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"];
        var rendered = all.Documents.Where(d => kinds.Contains(d["kind"] as string)).ToList();
        var plain = HelmChart.SortForInstall(YamlModel.LoadAll(File.ReadAllText(Repo.OwnNodePolicy)).Cast<Dictionary<string, object?>>());
        Assert.Equal(2, rendered.Count);
        Assert.Equal(plain.Count, rendered.Count);
        for (var i = 0; i < plain.Count; i++)
        {
            Assert.True(YamlModel.DeepEquals(rendered[i], plain[i], $"document {i} ({plain[i]["kind"]})", out var where),
                where + "\ndeploy/manifests/pluginmesh-own-node.yaml differs from the chart rendered with rbac.ownNodePolicy=true; rendered:\n" + all.AllText());
        }

        var policy = all.Single("ValidatingAdmissionPolicy", "pluginmesh-own-node");
        var binding = all.Single("ValidatingAdmissionPolicyBinding", "pluginmesh-own-node");
        Assert.Equal("pluginmesh-own-node", ((Dictionary<string, object?>)binding["spec"]!)["policyName"]);
        var spec = (Dictionary<string, object?>)policy["spec"]!;
        var match = Assert.Single((List<object?>)spec["matchConditions"]!);
        var account = all.Single("ServiceAccount", "pluginmesh");
        Assert.Contains("\"system:serviceaccount:pluginmesh:" + ((Dictionary<string, object?>)account["metadata"]!)["name"] + "\"",
            (string)((Dictionary<string, object?>)match!)["expression"]!, StringComparison.Ordinal);
        // Off by default: it needs Kubernetes >= 1.30.
        Assert.DoesNotContain(Chart.Render("pluginmesh", "pluginmesh").Documents, d => kinds.Contains(d["kind"] as string));
    }
}
