using System.Text.Json.Nodes;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>Turns an object of a kind a plugin asked for into a <see cref="MeshResource"/>, its JSON kept as the API gave it.</summary>
internal static class MeshResourceMapper
{
    /// <summary>
    /// The resource, or null with <paramref name="skip"/> saying why (no name, another kind). The API omits
    /// <c>apiVersion</c> and <c>kind</c> from the items of some lists; they are added then, so the JSON always
    /// names them (<paramref name="servedApiVersion"/>: the version the collection was read at).
    /// </summary>
    public static MeshResource? Map(CatalogResourceType type, string servedApiVersion, JsonElement obj, out string? skip)
    {
        skip = null;
        if (obj.ValueKind != JsonValueKind.Object) return Skip("not a JSON object", out skip);
        var meta = obj.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var name = Text(meta, "name");
        if (string.IsNullOrEmpty(name)) return Skip("no metadata.name", out skip);
        var kind = Text(obj, "kind");
        if (kind is not null && kind != type.Kind) return Skip($"kind '{kind}' is not {type.Kind}", out skip);
        var apiVersion = Text(obj, "apiVersion");

        var json = obj.GetRawText();
        if (kind is null || apiVersion is null)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            var complete = new JsonObject { ["apiVersion"] = apiVersion ?? servedApiVersion, ["kind"] = type.Kind };
            foreach (var (key, value) in node.ToList())
            {
                if (key is "apiVersion" or "kind") continue;
                node.Remove(key);
                complete[key] = value;
            }

            json = complete.ToJsonString();
        }

        return new MeshResource(new ResourceKey(type.Group, type.Kind, Text(meta, "namespace") ?? "", name), apiVersion ?? servedApiVersion, json);
    }

    private static MeshResource? Skip(string reason, out string? skip)
    {
        skip = reason;
        return null;
    }

    private static string? Text(JsonElement obj, string property) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
