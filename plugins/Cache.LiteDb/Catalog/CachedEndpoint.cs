namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>Cache form of <see cref="Abstractions.Catalog.MeshEndpoint"/>; the address is a string.</summary>
internal sealed record CachedEndpoint(string Address, string? NodeName, bool Ready, IReadOnlyList<CachedEndpointPort> Ports, string? Hostname);
