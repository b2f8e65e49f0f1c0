namespace PluginMesh.Plugins.Catalog.File.Parsing;

/// <summary>The whole catalog described by one file.</summary>
/// <param name="Services">Services in file order.</param>
/// <param name="Endpoints">Endpoints of every service (an entry even when empty, so "no endpoints" is explicit).</param>
/// <param name="Nodes">Nodes in file order.</param>
public sealed record FileCatalogState(
    IReadOnlyList<MeshService> Services,
    IReadOnlyList<ServiceEndpoints> Endpoints,
    IReadOnlyList<MeshNode> Nodes)
{
    /// <summary>The objects of <c>resources:</c> (Istio Gateways, TLS Secrets), in file order.</summary>
    public IReadOnlyList<MeshResource> Resources { get; init; } = [];

    /// <summary>The state as the full list of changes handed to <see cref="ICatalogSink.ReplaceAsync"/>.</summary>
    public IReadOnlyList<CatalogChange> ToChanges()
    {
        var changes = new List<CatalogChange>(Services.Count + Endpoints.Count + Nodes.Count + Resources.Count);
        changes.AddRange(Services.Select(s => new CatalogChange(CatalogObjectKind.Service, s.Key.ToString(), s)));
        changes.AddRange(Endpoints.Select(e => new CatalogChange(CatalogObjectKind.Endpoints, e.Service.ToString(), e)));
        changes.AddRange(Nodes.Select(n => new CatalogChange(CatalogObjectKind.Node, n.Name, n)));
        changes.AddRange(Resources.Select(r => new CatalogChange(CatalogObjectKind.Resource, r.Key.ToString(), r)));
        return changes;
    }
}
