namespace PluginMesh.Abstractions.Cache;

/// <summary>Well-known cache collection names.</summary>
public static class CacheCollections
{
    /// <summary>Catalog services (one document per <c>ns/name</c>).</summary>
    public const string Services = "catalog_services";
    /// <summary>Catalog endpoints (one document per <c>ns/name</c>).</summary>
    public const string Endpoints = "catalog_endpoints";
    /// <summary>Catalog nodes.</summary>
    public const string Nodes = "catalog_nodes";
    /// <summary>Catalog resources of the kinds plugins asked for (one document per <c>Kind.group/namespace/name</c>).</summary>
    public const string Resources = "catalog_resources";
    /// <summary>Signed node directory records (one per node name).</summary>
    public const string Directory = "directory";
    /// <summary>Known peers and their addresses.</summary>
    public const string Peers = "peers";
    /// <summary>Relay statistics (RTT, failures, load).</summary>
    public const string RelayStats = "relay_stats";
}

/// <summary>
/// Persistent, crash-safe state that lets an agent work with the cloud gone.
/// </summary>
/// <remarks>
/// Thread-safe. Every write is durable when its task completes (a kill -9 afterwards keeps it;
/// one during a write leaves the previous committed state). Values are serialized as JSON, so
/// records with public constructors round-trip. Errors: <see cref="Plugins.PluginMeshException"/>
/// naming the cache plugin; a corrupt file found at open is moved aside and rebuilt, not thrown.
/// </remarks>
public interface IStateCache
{
    /// <summary>
    /// A typed collection; the same name must always be used with the same type. Names start with
    /// an ASCII letter and hold only ASCII letters, digits and <c>_</c> (at most 60 characters);
    /// prefix a plugin's own collections with its source, e.g. <c>kubernetes_catalog_services</c>.
    /// Another name is a <see cref="Plugins.PluginMeshException"/>.
    /// </summary>
    ICacheCollection<T> Collection<T>(string name) where T : class;

    /// <summary>Monotonic counter bumped by every committed write, across collections.</summary>
    long ChangeSequence { get; }

    /// <summary>Cache state for status output.</summary>
    CacheInfo Info { get; }
}

/// <summary>Cache facts for status.</summary>
/// <param name="Path">Database file.</param>
/// <param name="SizeBytes">File size.</param>
/// <param name="ChangeSequence">Current change sequence.</param>
/// <param name="Documents">Documents per collection.</param>
/// <param name="RecoveredFrom">Path a corrupt file was moved to at open, or null.</param>
public sealed record CacheInfo(string Path, long SizeBytes, long ChangeSequence, IReadOnlyDictionary<string, long> Documents, string? RecoveredFrom);

/// <summary>A keyed collection of one type.</summary>
/// <remarks>Thread-safe. Cancellation is honoured before the write starts; a started write completes.</remarks>
public interface ICacheCollection<T> where T : class
{
    /// <summary>Collection name.</summary>
    string Name { get; }

    /// <summary>Value for <paramref name="key"/>, or null.</summary>
    T? Get(string key);

    /// <summary>Every entry, ordered by key.</summary>
    IReadOnlyList<KeyValuePair<string, T>> GetAll();

    /// <summary>Inserts or replaces one entry.</summary>
    ValueTask UpsertAsync(string key, T value, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces many entries in one transaction.</summary>
    ValueTask UpsertManyAsync(IEnumerable<KeyValuePair<string, T>> entries, CancellationToken cancellationToken = default);

    /// <summary>Deletes one entry; false when absent.</summary>
    ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Replaces the whole collection with <paramref name="entries"/> in one transaction.</summary>
    ValueTask ReplaceAllAsync(IEnumerable<KeyValuePair<string, T>> entries, CancellationToken cancellationToken = default);

    /// <summary>Number of entries.</summary>
    long Count { get; }
}
