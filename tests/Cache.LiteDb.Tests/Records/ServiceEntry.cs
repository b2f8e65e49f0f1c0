namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Records;

/// <summary>A catalog-like value with the shapes the cache must round-trip.</summary>
public sealed record ServiceEntry(
    string Name,
    IReadOnlyList<string> Ports,
    IReadOnlyDictionary<string, string> Labels,
    int? Weight,
    DateTimeOffset? SeenAt,
    IReadOnlyList<EndpointEntry> Endpoints);
