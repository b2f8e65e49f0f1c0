namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>The <c>catalog.kubernetes</c> section of <c>/status</c>.</summary>
/// <param name="Api">API server URL.</param>
/// <param name="Connected">
/// True while the API answers and every watch is open: false from the first failed list or watch
/// until the list, or that watch, succeeds again (<see cref="PluginMesh.Abstractions.Catalog.ICatalogSource.Connected"/>).
/// </param>
/// <param name="ConnectedChangedAt">When <paramref name="Connected"/> took its current value; null before the first attempt.</param>
/// <param name="Synced">True once a full state (from the API or the cache) reached the sink.</param>
/// <param name="FromCache">True while the catalog served came from the cache (the API has not answered yet).</param>
/// <param name="EndpointsResource"><c>endpointslices</c> or <c>endpoints</c> (fallback).</param>
/// <param name="ResourceVersions">Last resourceVersion seen per resource.</param>
/// <param name="LastSync">Last successful full list.</param>
/// <param name="LastError">Last error, or null.</param>
/// <param name="LastErrorAt">When it happened.</param>
/// <param name="Services">Services published.</param>
/// <param name="Endpoints">Endpoint addresses published.</param>
/// <param name="Nodes">Nodes published.</param>
/// <param name="Agents">Nodes among them whose agent published a readable binding (<c>pluginmesh.io/peer-id</c>).</param>
/// <param name="Events">Watch events received.</param>
/// <param name="Relists">Full lists done.</param>
/// <param name="Skipped">Objects skipped (not understood or filtered).</param>
/// <param name="DestinationRules">The Istio DestinationRule resource: configuration, whether it is served and watched, counts.</param>
/// <param name="Resources">The kinds other plugins asked for (<see cref="CatalogResourceType"/>): state, apiVersion and count of each.</param>
/// <param name="Publish">This agent on its own Node (annotations <c>pluginmesh.io/*</c>); null when no publisher runs.</param>
public sealed record KubernetesCatalogStatus(
    string Api,
    bool Connected,
    DateTimeOffset? ConnectedChangedAt,
    bool Synced,
    bool FromCache,
    string EndpointsResource,
    IReadOnlyDictionary<string, string> ResourceVersions,
    DateTimeOffset? LastSync,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int Services,
    int Endpoints,
    int Nodes,
    int Agents,
    long Events,
    long Relists,
    long Skipped,
    DestinationRulesStatus DestinationRules,
    IReadOnlyList<Resources.CatalogResourceStatus> Resources,
    Publishing.PublishStatus? Publish);
