namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// Cache form of <see cref="Abstractions.Catalog.MeshService"/>. The cache serializes with
/// System.Text.Json, which cannot write <see cref="System.Net.IPAddress"/>, so addresses are strings.
/// </summary>
internal sealed record CachedService(
    string Namespace,
    string Name,
    IReadOnlyList<string> ClusterIps,
    IReadOnlyList<CachedServicePort> Ports,
    bool Headless,
    string Affinity,
    int AffinityTimeoutSeconds,
    string? LoadBalancer,
    IReadOnlyDictionary<string, string>? Labels);
