using k8s;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Api;

/// <summary>Small JSON helpers over the API's wire format, tolerant of anything unexpected.</summary>
internal static class KubeJson
{
    /// <summary>Deserializes one object with KubernetesClient's settings; null (and a reason) when it does not fit the model.</summary>
    public static T? Deserialize<T>(JsonElement element, out string? problem) where T : class
    {
        try
        {
            problem = null;
            return KubernetesJson.Deserialize<T>(element.GetRawText());
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            problem = ex.Message;
            return null;
        }
    }

    /// <summary><c>metadata.resourceVersion</c> of an object, or null.</summary>
    public static string? ResourceVersion(JsonElement obj) =>
        obj.ValueKind == JsonValueKind.Object &&
        obj.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object &&
        meta.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
            ? rv.GetString()
            : null;

    /// <summary><c>namespace/name</c> (or <c>name</c> for cluster-scoped objects) from metadata, or null.</summary>
    public static string? Key(JsonElement obj)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty("metadata", out var meta) || meta.ValueKind != JsonValueKind.Object) return null;
        if (!meta.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String) return null;
        return meta.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String
            ? ns.GetString() + "/" + name.GetString()
            : name.GetString();
    }
}
