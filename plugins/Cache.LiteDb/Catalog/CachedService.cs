using System.Text.Json.Serialization;

namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// Cache form of <see cref="Abstractions.Catalog.MeshService"/>. The cache serializes with
/// System.Text.Json, which cannot write <see cref="System.Net.IPAddress"/>, so addresses are strings. Members added later are optional and left out at their defaults, so documents written before them still read and unchanged services encode as before.
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
    IReadOnlyDictionary<string, string>? Labels,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? ExternalIps = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExternalTraffic = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? HealthCheckNodePort = null);
