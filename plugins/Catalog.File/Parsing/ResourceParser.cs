using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>
/// Reads the <c>resources:</c> list of a catalog file: raw Kubernetes objects (<c>apiVersion</c>, <c>kind</c>,
/// <c>metadata</c>, then <c>spec</c>, <c>data</c> or anything else, as <c>kubectl get -o yaml</c> prints them),
/// each turned into a <see cref="MeshResource"/> with its YAML as JSON text. An entry that cannot be one is
/// skipped with a problem naming it, and the rest of the file still loads: these objects serve optional
/// plugins (an ingress gateway), which must not stop services and nodes from being updated.
/// </summary>
internal static partial class ResourceParser
{
    /// <summary>The resources of <paramref name="list"/> (the value of <c>resources:</c>, null when absent); problems go to <paramref name="skipped"/>.</summary>
    public static List<MeshResource> Parse(YamlNode? list, ParseContext skipped)
    {
        var resources = new List<MeshResource>();
        if (list is null || list is YamlScalarNode { Style: ScalarStyle.Plain, Value: "" or "~" or "null" }) return resources;
        if (list is not YamlSequenceNode items)
        {
            skipped.Error(list, "resources", "expected a list of Kubernetes objects; no resource is loaded");
            return resources;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Children.Count; i++)
        {
            var item = items.Children[i];
            var path = $"resources[{i}]";
            if (ParseOne(item, path, skipped) is not { } resource) continue;
            var key = resource.Key.ToString();
            if (seen.TryGetValue(key, out var firstLine))
            {
                skipped.Error(item, path, $"duplicate {key} (first defined on line {firstLine}); skipped");
                continue;
            }

            seen[key] = (int)item.Start.Line;
            resources.Add(resource);
        }

        return resources;
    }

    private static MeshResource? ParseOne(YamlNode item, string path, ParseContext skipped)
    {
        if (item is not YamlMappingNode map)
        {
            skipped.Error(item, path, "expected a Kubernetes object (apiVersion, kind, metadata, …); skipped");
            return null;
        }

        var apiVersion = Text(map, "apiVersion");
        var kind = Text(map, "kind");
        var meta = map.Children.TryGetValue(new YamlScalarNode("metadata"), out var m) ? m as YamlMappingNode : null;
        var name = meta is null ? null : Text(meta, "name");
        var ns = meta is null ? null : Text(meta, "namespace");
        var label = $"{kind ?? "(no kind)"} {(ns is null ? "" : ns + "/")}{name ?? "(no name)"}";
        string? problem = null;
        if (apiVersion is null || !ApiVersionPattern().IsMatch(apiVersion)) problem = "apiVersion is missing or not group/version (networking.istio.io/v1, v1)";
        else if (kind is null || !KindPattern().IsMatch(kind)) problem = "kind is missing or not a kind name (Gateway, Secret)";
        else if (meta is null) problem = "metadata is missing or not a mapping";
        else if (name is null || !FileCatalogParser.Dns1123Subdomain().IsMatch(name)) problem = "metadata.name is missing or not a valid object name";
        else if (meta.Children.ContainsKey(new YamlScalarNode("namespace")) && (ns is null || !FileCatalogParser.Dns1123Label().IsMatch(ns))) problem = "metadata.namespace is not a valid namespace";

        JsonNode? json = null;
        if (problem is null)
        {
            try
            {
                json = YamlJson.Convert(map);
            }
            catch (FormatException ex)
            {
                problem = ex.Message;
            }
        }

        if (problem is not null)
        {
            skipped.Error(item, path, $"{label}: {problem}; skipped");
            return null;
        }

        var slash = apiVersion!.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        return new MeshResource(new ResourceKey(group, kind!, ns ?? "", name!), apiVersion, json!.ToJsonString());
    }

    private static string? Text(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode { Value: { Length: > 0 } value } ? value : null;

    [GeneratedRegex("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?v[0-9]+((alpha|beta)[0-9]+)?$")]
    private static partial Regex ApiVersionPattern();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]*$")]
    private static partial Regex KindPattern();
}
