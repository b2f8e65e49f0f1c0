namespace PluginMesh.Plugins.Catalog.Kubernetes.Resources;

/// <summary>
/// What the source knows of one kind a plugin asked for (<see cref="CatalogResourceType"/>): where it is
/// served, in what state, and what status shows. Mutated by the source under its lock.
/// </summary>
internal sealed class ResourceTypeWatch(CatalogResourceType type) : KindState
{
    /// <summary>The kind as registered.</summary>
    public CatalogResourceType Type { get; } = type;

    /// <summary>
    /// The kind's name in status, logs and resourceVersions: <see cref="CatalogResourceType.Name"/>, with the
    /// namespace and field selector when set (two plugins may ask for one kind narrowed differently).
    /// </summary>
    public string Label { get; } = type.Name
        + (type.Namespace is { } ns ? $" in {ns}" : "")
        + (type.FieldSelector is { } fs ? $" where {fs}" : "");

    /// <summary>Objects of the kind known now.</summary>
    public int Count { get; set; }

    /// <summary>The list path and apiVersion of each version, in the order of preference.</summary>
    public IReadOnlyList<(string Path, string ApiVersion)> Candidates() =>
        Type.Versions.Select(v => (PathOf(v), Type.Group.Length == 0 ? v : $"{Type.Group}/{v}")).ToList();

    /// <summary>
    /// The RBAC rule an operator adds when the kind is forbidden: verbs, resource, API group and, for a
    /// kind narrowed to a namespace, where.
    /// </summary>
    public string RbacRule =>
        $"get, list, watch on {Type.Plural} in API group \"{Type.Group}\"" + (Type.Namespace is { } ns ? $" in namespace {ns}" : "");

    /// <summary>The status of the kind.</summary>
    public CatalogResourceStatus Status() =>
        new(Type.Name, Type.Namespace, Type.FieldSelector, State, ApiVersion, Count, Reason);

    private string PathOf(string version)
    {
        var root = Type.Group.Length == 0 ? $"api/{version}" : $"apis/{Type.Group}/{version}";
        var path = Type.Namespace is { } ns ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Type.Plural}" : $"{root}/{Type.Plural}";
        return Type.FieldSelector is { } selector ? $"{path}?fieldSelector={Uri.EscapeDataString(selector)}" : path;
    }
}
