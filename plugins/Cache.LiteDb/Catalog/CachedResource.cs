namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// Cache form of <see cref="Abstractions.Catalog.MeshResource"/>: its key's parts, the apiVersion read and the
/// object's JSON text as one string (kept as text: the catalog never interprets it, the plugin that asked does).
/// </summary>
internal sealed record CachedResource(string Group, string Kind, string Namespace, string Name, string ApiVersion, string Json);
