namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// <see cref="ICatalogCache"/> on the plugin's <see cref="IStateCache"/>: each source gets its own
/// <see cref="CatalogCacheStore"/>, so the collection names and document shape are the ones catalog
/// plugins wrote themselves before this lived here, and a cache file from then is still served.
/// </summary>
/// <remarks>Thread-safe as far as the state cache is; stores are made once per source name.</remarks>
internal sealed class CatalogCache(IStateCache cache) : ICatalogCache
{
    private readonly ConcurrentDictionary<string, CatalogCacheStore> _stores = new(StringComparer.Ordinal);

    public IReadOnlyList<CatalogChange> Restore(string source) => Store(source).Load();

    public ValueTask ReplaceAsync(string source, IReadOnlyList<CatalogChange> state, CancellationToken cancellationToken) =>
        Store(source).ReplaceAsync(state, cancellationToken);

    public ValueTask ApplyAsync(string source, IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken) =>
        Store(source).ApplyAsync(changes, cancellationToken);

    private CatalogCacheStore Store(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return _stores.GetOrAdd(source, static (name, state) => new CatalogCacheStore(state, name), cache);
    }
}
