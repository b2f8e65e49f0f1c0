using System.Text.Json;

namespace PluginMesh.Plugins.Cache.LiteDb;

/// <summary>The JSON shape of cached values.</summary>
internal static class CacheJson
{
    /// <summary>
    /// Web defaults: camelCase names, case-insensitive reads. Values written by one agent version are
    /// read by the next, so the shape must be the same one every other PluginMesh JSON uses.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
