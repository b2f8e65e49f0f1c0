using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void ConfigExample_InReadme_ValidatesAndMeansWhatItSays()
    {
        var configuration = ReadmeYaml.PluginSection(Path.Combine(AppContext.BaseDirectory, "plugin-README.md"), "proxy.iptables");

        var problems = new List<ConfigProblem>();
        new ProxyIptablesPlugin().Validate(new PluginValidationContext("proxy.iptables", configuration, "plugins.proxy.iptables", problems));
        Assert.Empty(problems);

        var o = ProxyOptions.Read(configuration, (k, m) => Assert.Fail($"{k}: {m}"));
        Assert.Equal(ProxyMode.Auto, o.Mode);
        Assert.Equal(15001, o.TcpPort);
        Assert.Equal(new PortRange(30000, 32000), o.PortRange);
        Assert.Equal(LoadBalancerKind.RoundRobin, o.LoadBalancer);
        Assert.Equal(["10.244.0.0/16"], o.RoutableCidrs.Select(c => c.ToString()));
        Assert.Equal(["cloud-node-1"], o.DirectNodes);
        Assert.False(o.FlatPodNetwork);
        Assert.Equal(TimeSpan.FromSeconds(30), o.EjectFor);
    }
}
