using System.Text.Json.Serialization;

namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// Cache form of <see cref="Abstractions.Catalog.MeshNode"/>; addresses are strings. <paramref name="Agent"/>
/// is left out of the document when there is none, so a node without one is written exactly as
/// release 0.1.0 wrote it (and an agent rolled back reads either form: unknown properties are skipped).
/// </summary>
internal sealed record CachedNode(string Name, IReadOnlyList<string> PodCidrs, IReadOnlyList<string> Addresses, IReadOnlyDictionary<string, string>? Labels,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CachedAgent? Agent = null);
