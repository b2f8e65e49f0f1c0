using System.Text;
using System.Text.RegularExpressions;
using PluginMesh.Deploy.Tests.Rendering;
using PluginMesh.Deploy.Tests.Support;
using static PluginMesh.Deploy.Tests.Support.Yaml;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The chart's private network by default: a generated mesh key on first install, the same key on
/// every upgrade (Helm's lookup, against a cluster state the test supplies), an explicit opt-out, and
/// a Secret of the operator's own. Rendered offline; no helm binary and no cluster were used.
/// </summary>
[Trait("Category", "Deploy")]
public sealed partial class PskSecretTests
{
    private const string PskEnv = "PLUGINMESH__PLUGINS__TUNNEL_LIBP2P__PSKFILE";
    private static readonly HelmChart Chart = new(Repo.ChartDirectory);

    [Fact]
    public void FirstInstall_GeneratesAWellFormedKey_InASecretKeptOnUninstall_ThatTheDaemonSetMounts()
    {
        var rendered = Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty());

        var secret = rendered.Single("Secret", "pluginmesh-psk");
        Assert.Equal("pluginmesh", Str(secret, "metadata.namespace"));
        Assert.Equal("keep", Annotation(secret, "helm.sh/resource-policy"));
        Assert.Matches(SwarmKeyPattern(), KeyOf(secret));

        var (env, mountPath, secretName) = PskWiring(rendered);
        Assert.Equal("pluginmesh-psk", secretName);
        Assert.Equal(mountPath + "/swarm.key", env);
        Assert.Equal("/etc/pluginmesh/psk/swarm.key", env);
    }

    [Fact]
    public void Upgrade_WithTheSecretInTheCluster_KeepsItsKey()
    {
        var install = Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty());
        var cluster = ClusterState.Empty().With(install.Documents);
        var key = KeyOf(install.Single("Secret", "pluginmesh-psk"));

        var upgrade = Chart.Render("pluginmesh", "pluginmesh", cluster: cluster);
        var again = Chart.Render("pluginmesh", "pluginmesh", cluster: cluster.With(upgrade.Documents));

        Assert.Equal(key, KeyOf(upgrade.Single("Secret", "pluginmesh-psk")));
        Assert.Equal(key, KeyOf(again.Single("Secret", "pluginmesh-psk")));
        // Another release in another namespace is another mesh: its own key.
        Assert.NotEqual(key, KeyOf(Chart.Render("pluginmesh", "other", cluster: cluster).Single("Secret", "pluginmesh-psk")));
    }

    [Fact]
    public void HelmTemplate_WithoutACluster_GeneratesADifferentKeyEachRender()
    {
        // What the docs warn about: helm template (and Argo CD, which renders with it) cannot look
        // the Secret up, so every render carries a new key. existingSecret is the way there.
        var first = KeyOf(Chart.Render("pluginmesh", "pluginmesh").Single("Secret", "pluginmesh-psk"));
        var second = KeyOf(Chart.Render("pluginmesh", "pluginmesh").Single("Secret", "pluginmesh-psk"));
        Assert.Matches(SwarmKeyPattern(), first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Upgrade_WhenTheSecretLostItsKey_FailsNamingTheSecret_RatherThanMakeANewKey()
    {
        var emptied = (Dictionary<string, object?>)YamlModel.Load(
            "{apiVersion: v1, kind: Secret, metadata: {name: pluginmesh-psk, namespace: pluginmesh}, data: {other: eA==}}")!;

        var ex = Assert.Throws<TemplateFailedException>(() => Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty().With([emptied])));

        Assert.Contains("templates/secret.yaml", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Secret pluginmesh-psk in namespace pluginmesh", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no swarm.key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyInValues_IsStored_AndWinsOverTheClustersKey()
    {
        var own = "/key/swarm/psk/1.0.0/\n/base16/\n" + new string('a', 64) + "\n";
        var cluster = ClusterState.Empty().With(Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty()).Documents);

        var rendered = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["psk.key"] = own }, cluster);

        Assert.Equal(own, KeyOf(rendered.Single("Secret", "pluginmesh-psk")));
    }

    [Fact]
    public void OptOut_RendersNoSecretNoMountNoVariable_AndTheNotesSayOpenMesh()
    {
        var rendered = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["psk.enabled"] = false }, ClusterState.Empty());

        Assert.DoesNotContain(rendered.Documents, d => d["kind"] as string == "Secret");
        var pod = PodSpec(rendered);
        var container = Container(pod);
        Assert.DoesNotContain(List(container, "env"), e => Get(e, "name") as string == PskEnv);
        Assert.DoesNotContain(List(container, "volumeMounts"), m => Get(m, "name") as string == "psk");
        Assert.DoesNotContain(List(pod, "volumes"), v => Get(v, "name") as string == "psk");
        Assert.Contains("OPEN MESH", rendered.Texts["NOTES.txt"], StringComparison.Ordinal);
        Assert.DoesNotContain("OPEN MESH", Chart.Render("pluginmesh", "pluginmesh", cluster: ClusterState.Empty()).Texts["NOTES.txt"], StringComparison.Ordinal);
    }

    [Fact]
    public void ExistingSecret_IsMounted_AndTheChartCreatesNone()
    {
        var rendered = Chart.Render("pluginmesh", "pluginmesh", new Dictionary<string, object?> { ["psk.existingSecret"] = "fleet-psk" }, ClusterState.Empty());

        Assert.DoesNotContain(rendered.Documents, d => d["kind"] as string == "Secret");
        var (env, mountPath, secretName) = PskWiring(rendered);
        Assert.Equal("fleet-psk", secretName);
        Assert.Equal(mountPath + "/swarm.key", env);
        Assert.Contains("get secret fleet-psk", rendered.Texts["NOTES.txt"], StringComparison.Ordinal);
    }

    /// <summary>The key as the pod's file holds it: the Secret's data.swarm.key, base64-decoded.</summary>
    internal static string KeyOf(Dictionary<string, object?> secret)
    {
        Assert.Null(Get(secret, "stringData"));
        return Encoding.UTF8.GetString(Convert.FromBase64String(Assert.IsType<string>(Map(secret, "data")["swarm.key"])));
    }

    internal static (string Env, string MountPath, string SecretName) PskWiring(RenderedChart rendered)
    {
        var pod = PodSpec(rendered);
        var container = Container(pod);
        var env = Str(Named(List(container, "env"), PskEnv), "value");
        var mount = Named(List(container, "volumeMounts"), "psk");
        Assert.Equal(true, At(mount, "readOnly"));
        var secretName = Str(Named(List(pod, "volumes"), "psk"), "secret.secretName");
        // Not optional: without its key an agent must not start in the open.
        Assert.Null(Get(Map(Named(List(pod, "volumes"), "psk"), "secret"), "optional"));
        return (env, Str(mount, "mountPath"), secretName);
    }

    private static string Annotation(Dictionary<string, object?> o, string key) =>
        Assert.IsType<string>(Map(o, "metadata.annotations")[key]);

    private static Dictionary<string, object?> PodSpec(RenderedChart rendered) => Map(rendered.Single("DaemonSet", "pluginmesh"), "spec.template.spec");

    private static Dictionary<string, object?> Container(Dictionary<string, object?> pod) =>
        Assert.IsType<Dictionary<string, object?>>(Assert.Single(List(pod, "containers")));

    /// <summary>swarm.key v1 in the only encoding the agent reads (plugins/Tunnel.Libp2p/Pnet/SwarmKey.cs).</summary>
    [GeneratedRegex("^/key/swarm/psk/1\\.0\\.0/\n/base16/\n[0-9a-f]{64}\n$")]
    internal static partial Regex SwarmKeyPattern();
}
