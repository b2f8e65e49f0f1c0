using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests;

public sealed class ReadmeTests
{
    [Fact]
    public void ConfigExample_InReadme_ValidatesAndMeansWhatItSays()
    {
        var readme = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "plugin-README.md"));
        var start = readme.IndexOf("```yaml\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no ```yaml example");
        start += "```yaml\n".Length;
        var yaml = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var section = (YamlMappingNode)((YamlMappingNode)root["plugins"])["proxy.iptables"];
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in section.Children)
        {
            var key = ((YamlScalarNode)k).Value!;
            if (v is YamlSequenceNode list)
            {
                for (var i = 0; i < list.Children.Count; i++) values[$"{key}:{i}"] = ((YamlScalarNode)list.Children[i]).Value;
            }
            else values[key] = ((YamlScalarNode)v).Value;
        }
        var configuration = new TestConfiguration(values);

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
        Assert.Equal(TimeSpan.FromSeconds(30), o.EjectFor);
    }
}
