using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.TestSupport;

/// <summary>An <see cref="IServiceCatalog"/> that holds what the test publishes (the host's store does the same for plugins).</summary>
public sealed class SnapshotCatalog : IServiceCatalog
{
    private CatalogSnapshot _current = CatalogSnapshot.Empty;

    public CatalogSnapshot Current => Volatile.Read(ref _current);

    public event Action<CatalogSnapshot>? Changed;

    /// <summary>Publishes a catalog of <paramref name="nodes"/> only, at the next version.</summary>
    public void PublishNodes(params MeshNode[] nodes)
    {
        var next = new CatalogSnapshot(Current.Version + 1, new Dictionary<ServiceKey, MeshService>(), new Dictionary<ServiceKey, ServiceEndpoints>(),
            nodes.ToDictionary(n => n.Name, StringComparer.Ordinal));
        Volatile.Write(ref _current, next);
        Changed?.Invoke(next);
    }
}
