namespace PluginMesh.Plugins.Catalog.Kubernetes.Caching;

/// <summary>Cache form of <see cref="Abstractions.Catalog.ServiceEndpoints"/>: one document per service.</summary>
public sealed record CachedEndpoints(string Namespace, string Name, IReadOnlyList<CachedEndpoint> Endpoints);
