using YamlDotNet.RepresentationModel;

namespace PluginMesh.TestSupport;

/// <summary>Pulls fenced YAML examples out of a README and flattens them into configuration keys.</summary>
public static class ReadmeYaml
{
    /// <summary>Every ```yaml block of the file.</summary>
    public static IReadOnlyList<string> Blocks(string readmePath)
    {
        var blocks = new List<string>();
        var lines = File.ReadAllLines(readmePath);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```yaml") continue;
            var block = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++) block.Add(lines[i]);
            blocks.Add(string.Join('\n', block));
        }

        return blocks;
    }

    /// <summary>The section <c>plugins.&lt;pluginId&gt;</c> of the first block holding one, as flat keys.</summary>
    public static DictionaryConfiguration PluginSection(string readmePath, string pluginId) =>
        PluginSections(readmePath, pluginId).FirstOrDefault()
        ?? throw new InvalidOperationException($"no 'plugins: {pluginId}:' example in {readmePath}");

    /// <summary>The section <c>plugins.&lt;pluginId&gt;</c> of every block holding one, as flat keys.</summary>
    public static IEnumerable<DictionaryConfiguration> PluginSections(string readmePath, string pluginId)
    {
        foreach (var block in Blocks(readmePath))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(block));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) continue;
            if (!root.Children.TryGetValue(new YamlScalarNode("plugins"), out var plugins) || plugins is not YamlMappingNode p) continue;
            if (!p.Children.TryGetValue(new YamlScalarNode(pluginId), out var section)) continue;
            yield return new DictionaryConfiguration(Flatten(section));
        }
    }

    /// <summary>A YAML node as flat configuration keys (<c>a:b</c>, lists as <c>a:0</c>), keys ignoring case.</summary>
    public static Dictionary<string, string?> Flatten(YamlNode node)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(node, "", values);
        return values;
    }

    private static void Flatten(YamlNode node, string prefix, Dictionary<string, string?> values)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (k, v) in map.Children) Flatten(v, prefix.Length == 0 ? ((YamlScalarNode)k).Value! : prefix + ":" + ((YamlScalarNode)k).Value, values);
                break;
            case YamlSequenceNode seq:
                for (var i = 0; i < seq.Children.Count; i++) Flatten(seq.Children[i], prefix + ":" + i, values);
                break;
            case YamlScalarNode scalar:
                values[prefix] = scalar.Value;
                break;
        }
    }
}
