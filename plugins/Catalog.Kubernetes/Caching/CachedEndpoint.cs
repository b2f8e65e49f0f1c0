namespace PluginMesh.Plugins.Catalog.Kubernetes.Caching;

/// <summary>Cache form of <see cref="Abstractions.Catalog.MeshEndpoint"/>; the address is a string.</summary>
public sealed record CachedEndpoint(string Address, string? NodeName, bool Ready, IReadOnlyList<CachedEndpointPort> Ports, string? Hostname);
