namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>Cache form of <see cref="Abstractions.Catalog.EndpointPort"/>.</summary>
internal sealed record CachedEndpointPort(string Name, int Port, string Protocol);
