namespace PluginMesh.Plugins.Catalog.Kubernetes.Caching;

/// <summary>Cache form of <see cref="Abstractions.Catalog.MeshNode"/>; addresses are strings.</summary>
public sealed record CachedNode(string Name, IReadOnlyList<string> PodCidrs, IReadOnlyList<string> Addresses, IReadOnlyDictionary<string, string>? Labels);
