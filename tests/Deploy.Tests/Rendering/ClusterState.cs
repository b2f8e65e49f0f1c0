namespace PluginMesh.Deploy.Tests.Rendering;

/// <summary>
/// The objects a cluster holds, for Helm's <c>lookup</c>: found by apiVersion, kind, namespace and
/// name, returned as deep copies (Helm hands templates a fresh unstructured map), so a template can
/// never change the "cluster".
/// </summary>
public sealed class ClusterState
{
    private readonly List<Dictionary<string, object?>> _objects = [];

    /// <summary>A cluster holding nothing yet (a first install).</summary>
    public static ClusterState Empty() => new();

    /// <summary>Stores objects as the API server would after an apply, e.g. the documents of a previous render.</summary>
    public ClusterState With(IEnumerable<Dictionary<string, object?>> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        foreach (var o in objects)
        {
            if (o.ContainsKey("stringData"))
            {
                // The API server folds stringData into data (base64) and never returns it; lookup would
                // see only data. Charts here write data directly, so a test feeding stringData is a mistake.
                throw new ArgumentException("store objects as the API server returns them: data, not stringData", nameof(objects));
            }

            var copy = (Dictionary<string, object?>)DeepCopy(o)!;
            _objects.RemoveAll(existing => SameObject(existing, copy));
            _objects.Add(copy);
        }

        return this;
    }

    /// <summary>A copy of the object, or null when the cluster has none by that key.</summary>
    public Dictionary<string, object?>? Find(string apiVersion, string kind, string ns, string name)
    {
        var found = _objects.FirstOrDefault(o => Key(o) == (apiVersion, kind, ns, name));
        return found is null ? null : (Dictionary<string, object?>)DeepCopy(found)!;
    }

    private static bool SameObject(Dictionary<string, object?> a, Dictionary<string, object?> b) => Key(a) == Key(b);

    private static (string?, string?, string, string?) Key(Dictionary<string, object?> o)
    {
        var meta = o.GetValueOrDefault("metadata") as Dictionary<string, object?>;
        return (o.GetValueOrDefault("apiVersion") as string, o.GetValueOrDefault("kind") as string,
            meta?.GetValueOrDefault("namespace") as string ?? "", meta?.GetValueOrDefault("name") as string);
    }

    private static object? DeepCopy(object? value) => value switch
    {
        IDictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => DeepCopy(kv.Value), StringComparer.Ordinal),
        IList<object?> list => list.Select(DeepCopy).ToList(),
        _ => value,
    };
}
