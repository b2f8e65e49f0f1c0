namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>
/// One catalog source's share of the <see cref="IStateCache"/>: collections named
/// <c>&lt;source&gt;_catalog_services|endpoints|nodes|resources</c>, so two sources never overwrite each other.
/// </summary>
/// <remarks>Thread-safe as far as the cache is.</remarks>
internal sealed class CatalogCacheStore
{
    private readonly ICacheCollection<CachedService> _services;
    private readonly ICacheCollection<CachedEndpoints> _endpoints;
    private readonly ICacheCollection<CachedNode> _nodes;
    private readonly ICacheCollection<CachedResource> _resources;

    /// <summary>Opens the collections of <paramref name="source"/>.</summary>
    public CatalogCacheStore(IStateCache cache, string source)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _services = cache.Collection<CachedService>(source + "_" + CacheCollections.Services);
        _endpoints = cache.Collection<CachedEndpoints>(source + "_" + CacheCollections.Endpoints);
        _nodes = cache.Collection<CachedNode>(source + "_" + CacheCollections.Nodes);
        _resources = cache.Collection<CachedResource>(source + "_" + CacheCollections.Resources);
    }

    /// <summary>Replaces everything stored for this source with <paramref name="state"/> (CatalogChange values).</summary>
    public async ValueTask ReplaceAsync(IReadOnlyList<CatalogChange> state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var services = new List<KeyValuePair<string, CachedService>>();
        var endpoints = new List<KeyValuePair<string, CachedEndpoints>>();
        var nodes = new List<KeyValuePair<string, CachedNode>>();
        var resources = new List<KeyValuePair<string, CachedResource>>();
        foreach (var change in state)
        {
            switch (change.Value)
            {
                case MeshService s: services.Add(new(change.Key, CatalogCacheCodec.Encode(s))); break;
                case ServiceEndpoints e: endpoints.Add(new(change.Key, CatalogCacheCodec.Encode(e))); break;
                case MeshNode n: nodes.Add(new(change.Key, CatalogCacheCodec.Encode(n))); break;
                case MeshResource r: resources.Add(new(change.Key, CatalogCacheCodec.Encode(r))); break;
            }
        }

        await _services.ReplaceAllAsync(services, cancellationToken).ConfigureAwait(false);
        await _endpoints.ReplaceAllAsync(endpoints, cancellationToken).ConfigureAwait(false);
        await _nodes.ReplaceAllAsync(nodes, cancellationToken).ConfigureAwait(false);
        // Left untouched while no source carries resources, so a file without them stays as older builds wrote it.
        if (resources.Count > 0 || _resources.Count > 0) await _resources.ReplaceAllAsync(resources, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies incremental changes: upserts values, deletes keys whose value is null.</summary>
    public async ValueTask ApplyAsync(IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            var applied = change.Kind switch
            {
                CatalogObjectKind.Service => ApplyAsync<MeshService, CachedService>(_services, change, CatalogCacheCodec.Encode, cancellationToken),
                CatalogObjectKind.Endpoints => ApplyAsync<ServiceEndpoints, CachedEndpoints>(_endpoints, change, CatalogCacheCodec.Encode, cancellationToken),
                CatalogObjectKind.Node => ApplyAsync<MeshNode, CachedNode>(_nodes, change, CatalogCacheCodec.Encode, cancellationToken),
                CatalogObjectKind.Resource => ApplyAsync<MeshResource, CachedResource>(_resources, change, CatalogCacheCodec.Encode, cancellationToken),
                _ => ValueTask.CompletedTask,
            };
            await applied.ConfigureAwait(false);
        }
    }

    // A value of the change's kind is upserted, null deletes the key, a value of another type is ignored.
    private static async ValueTask ApplyAsync<TValue, TDocument>(ICacheCollection<TDocument> collection, CatalogChange change,
        Func<TValue, TDocument> encode, CancellationToken cancellationToken)
        where TValue : class
        where TDocument : class
    {
        switch (change.Value)
        {
            case null:
                await collection.DeleteAsync(change.Key, cancellationToken).ConfigureAwait(false);
                break;
            case TValue value:
                await collection.UpsertAsync(change.Key, encode(value), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    // Resources came later than the rest and are the least needed to start (a gateway, not DNS and the proxy): a
    // collection that does not read at all (written by a future build, hand-edited) is left out, not fatal for the rest.
    private IReadOnlyList<KeyValuePair<string, CachedResource>> Resources()
    {
        try
        {
            return _resources.GetAll();
        }
        catch (PluginMesh.Abstractions.Plugins.PluginMeshException)
        {
            return [];
        }
    }

    /// <summary>Everything stored for this source as a full state (undecodable documents skipped).</summary>
    public IReadOnlyList<CatalogChange> Load()
    {
        var state = new List<CatalogChange>();
        foreach (var (key, doc) in _services.GetAll())
        {
            if (CatalogCacheCodec.Decode(doc) is { } s) state.Add(new CatalogChange(CatalogObjectKind.Service, key, s));
        }

        foreach (var (key, doc) in _endpoints.GetAll())
        {
            if (CatalogCacheCodec.Decode(doc) is { } e) state.Add(new CatalogChange(CatalogObjectKind.Endpoints, key, e));
        }

        foreach (var (key, doc) in _nodes.GetAll())
        {
            if (CatalogCacheCodec.Decode(doc) is { } n) state.Add(new CatalogChange(CatalogObjectKind.Node, key, n));
        }

        foreach (var (key, doc) in Resources())
        {
            if (CatalogCacheCodec.Decode(key, doc) is { } r) state.Add(new CatalogChange(CatalogObjectKind.Resource, key, r));
        }

        return state;
    }
}
