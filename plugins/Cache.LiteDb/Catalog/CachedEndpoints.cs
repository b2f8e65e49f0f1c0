namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>Cache form of <see cref="Abstractions.Catalog.ServiceEndpoints"/>: one document per service.</summary>
internal sealed record CachedEndpoints(string Namespace, string Name, IReadOnlyList<CachedEndpoint> Endpoints);
