using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

public sealed class KubernetesCatalogOptionsTests
{
    private static List<ConfigProblem> Validate(DictionaryConfiguration section)
    {
        var problems = new List<ConfigProblem>();
        new CatalogKubernetesPlugin().Validate(new PluginValidationContext(CatalogKubernetesPlugin.PluginId, section, "plugins.catalog.kubernetes", problems));
        return problems;
    }

    [Fact]
    public void Validate_ReadmeExample_HasNoProblem()
    {
        var section = ReadmeYaml.PluginSection(RepoPaths.Of("plugins/Catalog.Kubernetes/README.md"), CatalogKubernetesPlugin.PluginId);
        Assert.Empty(Validate(section));
        var options = KubernetesCatalogOptions.Read(section, (_, m) => Assert.Fail(m));
        Assert.Equal(new Uri("http://127.0.0.1:10550/"), options.ApiServer);
        Assert.Equal("pluginmesh", options.ProxyName);
    }

    [Fact]
    public void Read_EmptySection_DefaultsToKubeEdgeMetaServer()
    {
        var options = KubernetesCatalogOptions.Read(DictionaryConfiguration.Of(), (_, m) => Assert.Fail(m));
        Assert.Equal(new Uri(KubernetesCatalogOptions.DefaultApiServer), options.ApiServer);
        Assert.Null(options.Kubeconfig);
        Assert.False(options.InCluster);
        Assert.Equal(KubernetesCatalogOptions.DefaultProxyNameLabel, options.ProxyNameLabel);
    }

    [Theory]
    [InlineData("apiServer", "ftp://x", "plugins.catalog.kubernetes.apiServer", "not an http")]
    [InlineData("kubeconfig", "/nonexistent/kubeconfig", "plugins.catalog.kubernetes.kubeconfig", "does not exist")]
    [InlineData("inCluster", "yes", "plugins.catalog.kubernetes.inCluster", "not true or false")]
    [InlineData("watchTimeoutSeconds", "1", "plugins.catalog.kubernetes.watchTimeoutSeconds", "between 5 and 3600")]
    [InlineData("proxyName", "", "plugins.catalog.kubernetes.proxyName", "must not be empty")]
    [InlineData("apiserver2", "x", "plugins.catalog.kubernetes.apiserver2", "unknown key")]
    [InlineData("istio", "maybe", "plugins.catalog.kubernetes.istio", "not auto, true or false")]
    public void Validate_BadKey_ReportsItsPath(string key, string value, string path, string message)
    {
        var problem = Assert.Single(Validate(DictionaryConfiguration.Of(("enabled", "true"), (key, value))));
        Assert.Equal(path, problem.Path);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, IstioMode.Auto)]
    [InlineData("auto", IstioMode.Auto)]
    [InlineData("true", IstioMode.Enabled)]
    [InlineData("False", IstioMode.Disabled)]
    public void Read_Istio_AutoTrueFalse(string? value, IstioMode expected)
    {
        var section = value is null ? DictionaryConfiguration.Of() : DictionaryConfiguration.Of(("istio", value));
        Assert.Equal(expected, KubernetesCatalogOptions.Read(section, (_, m) => Assert.Fail(m)).Istio);
    }

    [Fact]
    public void Validate_TwoConnectionSources_Refused()
    {
        var problems = Validate(DictionaryConfiguration.Of(("apiServer", "http://10.0.0.1:6443"), ("inCluster", "true")));
        Assert.Contains(problems, p => p.Message.Contains("only one of", StringComparison.Ordinal));
    }

    [Fact]
    public void Descriptor_ProvidesCatalogSourceAndUsesCache()
    {
        var d = new CatalogKubernetesPlugin().Descriptor;
        Assert.Equal("catalog.kubernetes", d.Id);
        Assert.Equal([Capabilities.CatalogSource], d.Provides);
        Assert.Equal([Capabilities.Cache], d.Uses);
        Assert.Equal(AbstractionsApi.Version, d.ApiVersion);
    }
}
