namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

public sealed class GatewayOptionsTests
{
    private static (GatewayOptions Options, List<string> Problems) Read(params (string, string?)[] section)
    {
        var problems = new List<string>();
        var options = GatewayOptions.Read(DictionaryConfiguration.Of(section), "/var/lib/pluginmesh", (k, m) => problems.Add($"{k}: {m}"));
        return (options, problems);
    }

    [Fact]
    public void Empty_GivesTheDefaults()
    {
        var (o, problems) = Read();

        Assert.Empty(problems);
        Assert.Equal(new Dictionary<string, string> { ["istio"] = "ingressgateway" }, o.GatewayLabels);
        Assert.Equal(["*"], o.IncludeInterfaces);
        Assert.Empty(o.ExcludeInterfaces);
        Assert.Null(o.SecretNamespace);
        Assert.Equal("cluster.local", o.ClusterDomain);
        Assert.Equal(GatewayOptions.Stdout, o.AccessLog);
        Assert.Equal(4096, o.MaxConnections);
        Assert.Equal(10L * 1024 * 1024, o.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), o.DrainTimeout);
    }

    [Fact]
    public void Values_AreRead_AndARelativeLogPathIsUnderTheDataDirectory()
    {
        var (o, problems) = Read(("gatewayLabels:app", "edge-gateway"), ("gatewayLabels:zone", "a"), ("includeInterfaces:0", "eth*"),
            ("includeInterfaces:1", "wlan0"), ("excludeInterfaces", "eth9"), ("secretNamespace", "istio-system"), ("clusterDomain", "corp.local."),
            ("accessLog", "logs/gateway.log"), ("maxConnections", "100"), ("maxRequestBodyBytes", "unlimited"), ("drainTimeoutSeconds", "0"));

        Assert.Empty(problems);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "edge-gateway", ["zone"] = "a" }, o.GatewayLabels);
        Assert.Equal(["eth*", "wlan0"], o.IncludeInterfaces);
        Assert.Equal(["eth9"], o.ExcludeInterfaces);
        Assert.Equal("istio-system", o.SecretNamespace);
        Assert.Equal("corp.local", o.ClusterDomain);
        Assert.Equal("/var/lib/pluginmesh/logs/gateway.log", o.AccessLog);
        Assert.Equal(100, o.MaxConnections);
        Assert.Null(o.MaxRequestBodyBytes);
        Assert.Equal(TimeSpan.Zero, o.DrainTimeout);
        Assert.Null(Read(("accessLog", "off")).Options.AccessLog);
    }

    [Fact]
    public void Malformed_EveryProblemIsReported_NamingKeyAndValue()
    {
        var (_, problems) = Read(("listen", "0.0.0.0:80"), ("gatewayLabels", "istio"), ("includeInterfaces", ""), ("excludeInterfaces:0", "eth 0"),
            ("secretNamespace", "Istio_System"), ("clusterDomain", "bad domain"), ("maxConnections", "0"), ("maxRequestBodyBytes", "-5"),
            ("requestHeadersTimeoutSeconds", "soon"));

        Assert.Equal(
        [
            "listen: unknown key; expected one of: gatewayLabels, includeInterfaces, excludeInterfaces, secretNamespace, clusterDomain, accessLog, maxConnections, maxRequestBodyBytes, maxRequestHeadersBytes, requestHeadersTimeoutSeconds, drainTimeoutSeconds",
            "gatewayLabels: 'istio' is not a map of labels (e.g. {istio: ingressgateway})",
            "excludeInterfaces:0: 'eth 0' is not an interface name or pattern (e.g. eth0, wlan*, *)",
            "includeInterfaces: is empty: the gateway would listen nowhere (leave it out for every address)",
            "secretNamespace: 'Istio_System' is not a namespace name (lower-case letters, digits and '-')",
            "clusterDomain: 'bad domain' is not a DNS domain",
            "maxRequestBodyBytes: '-5' is not a positive number of bytes (or 0 / unlimited for no limit)",
            "maxConnections: must be between 1 and 1000000 (got 0)",
            "requestHeadersTimeoutSeconds: 'soon' is not a whole number",
        ], problems);
    }

    [Fact]
    public void Plugin_Validate_ReportsUnderItsSection()
    {
        var problems = new List<PluginMesh.Abstractions.Plugins.ConfigProblem>();
        new GatewayIstioPlugin().Validate(new PluginMesh.Abstractions.Plugins.PluginValidationContext("gateway.istio",
            DictionaryConfiguration.Of(("maxConnections", "lots")), "plugins.gateway.istio", problems));

        Assert.Equal("plugins.gateway.istio.maxConnections: 'lots' is not a whole number", Assert.Single(problems).ToString());
        Assert.Equal([PluginMesh.Abstractions.Plugins.Capabilities.Gateway], new GatewayIstioPlugin().Descriptor.Provides);
    }
}

public sealed class ReadmeTests
{
    [Fact]
    public void ConfigExample_InReadme_ValidatesAndMeansWhatItSays()
    {
        var section = ReadmeYaml.PluginSection(Path.Combine(AppContext.BaseDirectory, "plugin-README.md"), "gateway.istio");
        var problems = new List<PluginMesh.Abstractions.Plugins.ConfigProblem>();
        new GatewayIstioPlugin().Validate(new PluginMesh.Abstractions.Plugins.PluginValidationContext("gateway.istio", section, "plugins.gateway.istio", problems));
        Assert.Empty(problems);

        var o = GatewayOptions.Read(section, "/data", (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(new Dictionary<string, string> { ["istio"] = "ingressgateway" }, o.GatewayLabels);
        Assert.Equal(["docker0"], o.ExcludeInterfaces);
        Assert.Equal(GatewayOptions.Stdout, o.AccessLog);
        Assert.Equal(TimeSpan.FromSeconds(30), o.DrainTimeout);
    }
}
