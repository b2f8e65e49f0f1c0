using PluginMesh.Abstractions.Plugins;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PluginMesh.Host.Configuration;

/// <summary>
/// Flattens YAML into configuration keys (<c>a:b:0</c>), keeping every scalar as text so the
/// validators, not the parser, decide what a value means.
/// </summary>
internal static class YamlConfigReader
{
    /// <summary>
    /// Reads <paramref name="yaml"/>; syntax errors are returned as problems with line and column. An empty mapping (<c>{}</c>) and an empty sequence (<c>[]</c>) both
    /// flatten to their key with a null value and no children; the keys of the empty sequences are also
    /// added to <paramref name="emptySequences"/>, because only they clear a list of a lower layer
    /// (see <see cref="ConfigLoader.Overlay"/>).
    /// </summary>
    public static Dictionary<string, string?> Read(string yaml, string sourceName, List<ConfigProblem> problems, ISet<string>? emptySequences = null)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(yaml);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            problems.Add(new ConfigProblem($"{sourceName}:{ex.Start.Line}:{ex.Start.Column}", $"not valid YAML: {Inner(ex).Message}"));
            return result;
        }

        if (stream.Documents.Count == 0) return result;
        var root = stream.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" or "~" }) return result;
        if (root is not YamlMappingNode)
        {
            problems.Add(new ConfigProblem(sourceName, "the top level must be a mapping (key: value)"));
            return result;
        }
        Flatten(root, "", result, emptySequences);
        return result;
    }

    private static Exception Inner(YamlException ex) => ex.InnerException is YamlException inner ? Inner(inner) : ex;

    private static void Flatten(YamlNode node, string prefix, Dictionary<string, string?> into, ISet<string>? emptySequences)
    {
        switch (node)
        {
            case YamlMappingNode map:
                if (map.Children.Count == 0 && prefix.Length > 0) into[prefix] = null; // an empty section still enables its plugin
                foreach (var (k, v) in map.Children)
                {
                    var key = ((YamlScalarNode)k).Value ?? "";
                    Flatten(v, prefix.Length == 0 ? key : prefix + ":" + key, into, emptySequences);
                }
                break;
            case YamlSequenceNode seq:
                if (seq.Children.Count == 0)
                {
                    into[prefix] = null; // present, no entries
                    emptySequences?.Add(prefix);
                }
                for (var i = 0; i < seq.Children.Count; i++) Flatten(seq.Children[i], prefix + ":" + i, into, emptySequences);
                break;
            case YamlScalarNode scalar:
                into[prefix] = scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null" ? null : scalar.Value;
                break;
        }
    }
}
