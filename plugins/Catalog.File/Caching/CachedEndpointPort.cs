namespace PluginMesh.Plugins.Catalog.File.Caching;

/// <summary>Cache form of <see cref="Abstractions.Catalog.EndpointPort"/>.</summary>
public sealed record CachedEndpointPort(string Name, int Port, string Protocol);
