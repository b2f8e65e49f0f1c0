using System.Runtime.CompilerServices;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Plugin;

/// <summary>The configuration example in the plugin README must validate (docs that cannot rot).</summary>
public sealed class ReadmeConfigTests
{
    [Fact]
    public void ReadmeExample_Validates()
    {
        var readme = File.ReadAllText(ReadmePath());
        var start = readme.IndexOf("```yaml", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has a yaml example");
        start += "```yaml".Length;
        var yaml = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var section = (YamlMappingNode)((YamlMappingNode)root["plugins"])["tunnel.libp2p"];
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(section, "", values);
        Assert.Contains("listen:0", values.Keys);

        var problems = new List<ConfigProblem>();
        new TunnelLibp2pPlugin().Validate(new PluginValidationContext("tunnel.libp2p", new DictionaryConfiguration(values), "plugins.tunnel.libp2p", problems));
        Assert.Empty(problems);
        var options = Libp2pOptions.Read(new DictionaryConfiguration(values), "/data", (_, _) => { });
        Assert.Equal(2, options.Listen.Count);
    }

    private static void Flatten(YamlNode node, string prefix, Dictionary<string, string?> into)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children) Flatten(v, prefix.Length == 0 ? ((YamlScalarNode)k).Value! : prefix + ":" + ((YamlScalarNode)k).Value, into);
                break;
            case YamlSequenceNode seq:
                for (var i = 0; i < seq.Children.Count; i++) Flatten(seq.Children[i], prefix + ":" + i, into);
                break;
            case YamlScalarNode scalar:
                into[prefix] = scalar.Value;
                break;
        }
    }

    private static string ReadmePath([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "plugins", "Tunnel.Libp2p", "README.md"));
}
