namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>Cache form of <see cref="Abstractions.Catalog.MeshNode"/>; addresses are strings.</summary>
internal sealed record CachedNode(string Name, IReadOnlyList<string> PodCidrs, IReadOnlyList<string> Addresses, IReadOnlyDictionary<string, string>? Labels);
