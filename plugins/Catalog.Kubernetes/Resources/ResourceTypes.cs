namespace PluginMesh.Plugins.Catalog.Kubernetes.Resources;

/// <summary>The kinds plugins registered, each once.</summary>
internal static class ResourceTypes
{
    /// <summary>
    /// <paramref name="types"/> without repeats: two registrations with the same group, kind, plural, versions,
    /// selector and namespace are one kind to watch (the record's own equality compares the version lists by reference).
    /// </summary>
    public static List<CatalogResourceType> Distinct(IEnumerable<CatalogResourceType>? types)
    {
        var distinct = new List<CatalogResourceType>();
        foreach (var type in types ?? [])
        {
            if (type is null || distinct.Any(d => Same(d, type))) continue;
            distinct.Add(type);
        }

        return distinct;
    }

    private static bool Same(CatalogResourceType a, CatalogResourceType b) =>
        a.Group == b.Group && a.Kind == b.Kind && a.Plural == b.Plural && a.Versions.SequenceEqual(b.Versions) &&
        a.FieldSelector == b.FieldSelector && a.Namespace == b.Namespace;
}
