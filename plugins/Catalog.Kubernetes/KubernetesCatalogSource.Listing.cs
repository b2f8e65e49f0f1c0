using System.Text.Json;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Catalog.Kubernetes.Api;
using PluginMesh.Plugins.Catalog.Kubernetes.State;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

// Full lists, the cache fallback and the single path through which every change is applied.
public sealed partial class KubernetesCatalogSource
{
    private async Task<Dictionary<ResourceKind, string>> ListAllAsync(KubeApiClient api, string trigger, CancellationToken cancellationToken)
    {
        var documents = new List<JsonDocument>();
        try
        {
            var services = await ListAsync(api, ResourceKind.Services, documents, cancellationToken).ConfigureAwait(false);

            // Re-probed on every full list: a cluster upgraded to serve EndpointSlices is picked up.
            var endpointsKind = ResourceKind.EndpointSlices;
            var endpoints = await ListAsync(api, ResourceKind.EndpointSlices, documents, cancellationToken).ConfigureAwait(false);
            if (endpoints is null)
            {
                endpointsKind = ResourceKind.Endpoints;
                if (_endpointsKindLogged != endpointsKind) KubernetesCatalogLog.EndpointsFallback(_logger, api.BaseUri.ToString());
                endpoints = await ListAsync(api, ResourceKind.Endpoints, documents, cancellationToken).ConfigureAwait(false);
            }

            _endpointsKindLogged = endpointsKind;
            var nodes = await ListAsync(api, ResourceKind.Nodes, documents, cancellationToken).ConfigureAwait(false);
            if (services is null || endpoints is null || nodes is null)
                throw new ApiRequestFailedException("the API server does not serve core/v1 (404)");

            await _apply.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var warnings = new List<string>();
                var affected = new List<(CatalogObjectKind, string)>();
                affected.AddRange(_projection.Replace(ResourceKind.Services, services.Value.Items, warnings, (k, r) => Skip(ResourceKind.Services, k, r)));
                var otherKind = endpointsKind == ResourceKind.EndpointSlices ? ResourceKind.Endpoints : ResourceKind.EndpointSlices;
                affected.AddRange(_projection.Replace(otherKind, [], warnings, (_, _) => { }));
                affected.AddRange(_projection.Replace(endpointsKind, endpoints.Value.Items, warnings, (k, r) => Skip(endpointsKind, k, r)));
                affected.AddRange(_projection.Replace(ResourceKind.Nodes, nodes.Value.Items, warnings, (k, r) => Skip(ResourceKind.Nodes, k, r)));
                foreach (var warning in warnings) Skip(endpointsKind, null, warning);

                // The first list after start (or after serving the cache) replaces whatever the sink
                // holds from us; later lists only send what changed, so nothing is applied twice.
                if (_needReplace)
                {
                    var state = _projection.FullState();
                    await _sink.ReplaceAsync(SourceName, state, CancellationToken.None).ConfigureAwait(false);
                    _needReplace = false;
                }
                else
                {
                    var changes = _projection.Diff(affected);
                    if (changes.Count > 0) await _sink.ApplyAsync(SourceName, changes, CancellationToken.None).ConfigureAwait(false);
                }

                // A full list rewrites the cache too, which also heals any write it missed earlier.
                await WriteCacheAsync(_projection.FullState(), replace: true).ConfigureAwait(false);

                lock (_gate)
                {
                    _endpointsKind = endpointsKind;
                    _resourceVersions.Clear();
                    _resourceVersions[ResourcePaths.Name(ResourceKind.Services)] = services.Value.ResourceVersion;
                    _resourceVersions[ResourcePaths.Name(endpointsKind)] = endpoints.Value.ResourceVersion;
                    _resourceVersions[ResourcePaths.Name(ResourceKind.Nodes)] = nodes.Value.ResourceVersion;
                    _connected = true;
                    _synced = true;
                    _fromCache = false;
                    _listedOnce = true;
                    _lastSync = _time.GetUtcNow();
                    _relists++;
                    UpdateCounts();
                }
            }
            finally
            {
                _apply.Release();
            }

            _metrics.Relist(trigger);
            KubernetesCatalogLog.Listed(_logger, api.BaseUri.ToString(), trigger, _services, _endpoints, _nodes, ResourcePaths.Name(endpointsKind));
            return new Dictionary<ResourceKind, string>
            {
                [ResourceKind.Services] = services.Value.ResourceVersion,
                [endpointsKind] = endpoints.Value.ResourceVersion,
                [ResourceKind.Nodes] = nodes.Value.ResourceVersion,
            };
        }
        finally
        {
            foreach (var doc in documents) doc.Dispose();
        }
    }

    /// <summary>Lists one resource; null on 404 (not served), throws for other failures.</summary>
    private async Task<(string ResourceVersion, List<JsonElement> Items)?> ListAsync(
        KubeApiClient api, ResourceKind kind, List<JsonDocument> documents, CancellationToken cancellationToken)
    {
        var path = ResourcePaths.Of(kind);
        var (status, body) = await api.ListAsync(path, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (status == 404) return null;
        if (status is < 200 or > 299) throw new ApiRequestFailedException($"list {path}: HTTP {status} {Truncate(body)}");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new ApiRequestFailedException($"list {path}: response is not JSON ({ex.Message})");
        }

        documents.Add(doc);
        var root = doc.RootElement;
        var rv = KubeJson.ResourceVersion(root);
        if (rv is null || !root.TryGetProperty("items", out var items) || items.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            throw new ApiRequestFailedException($"list {path}: response has no metadata.resourceVersion or items");
        return (rv, items.ValueKind == JsonValueKind.Array ? items.EnumerateArray().ToList() : []);
    }

    private async Task ServeCacheOnceAsync()
    {
        if (_store is null) return;
        lock (_gate)
        {
            if (_synced) return;
        }

        IReadOnlyList<CatalogChange> cached;
        try
        {
            cached = _store.Load();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            KubernetesCatalogLog.CacheFailed(_logger, ex);
            return;
        }

        if (cached.Count == 0) return;
        await _apply.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _sink.ReplaceAsync(SourceName, cached, CancellationToken.None).ConfigureAwait(false);
            _projection.SetPublished(cached);
            _needReplace = true;
            lock (_gate)
            {
                _synced = true;
                _fromCache = true;
                _cachedObjects = cached.Count;
                _lastSync = null;
                UpdateCounts();
            }
        }
        finally
        {
            _apply.Release();
        }

        KubernetesCatalogLog.ServedFromCache(_logger, cached.Count);
    }

    /// <summary>Applies one watch event; the projection turns it into exactly the changes needed.</summary>
    private async Task OnEventAsync(ResourceKind kind, string type, JsonElement obj, CancellationToken cancellationToken)
    {
        _metrics.Event(ResourcePaths.Name(kind), type);
        lock (_gate) _events++;
        if (type == "BOOKMARK")
        {
            SetResourceVersion(kind, KubeJson.ResourceVersion(obj));
            return;
        }

        await _apply.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var warnings = new List<string>();
            List<(CatalogObjectKind, string)> affected;
            if (type == "DELETED")
            {
                affected = _projection.Delete(kind, obj);
            }
            else
            {
                affected = _projection.Upsert(kind, obj, warnings, out var skip);
                if (skip is not null) Skip(kind, KubeJson.Key(obj), skip);
            }

            foreach (var warning in warnings) Skip(kind, KubeJson.Key(obj), warning);
            var changes = _projection.Diff(affected);

            // Not cancellable from here: sink and cache must see the same changes.
            if (changes.Count > 0)
            {
                await _sink.ApplyAsync(SourceName, changes, CancellationToken.None).ConfigureAwait(false);
                await WriteCacheAsync(changes, replace: false).ConfigureAwait(false);
            }

            lock (_gate)
            {
                _connected = true;
                UpdateCounts();
            }

            SetResourceVersion(kind, KubeJson.ResourceVersion(obj));
        }
        finally
        {
            _apply.Release();
        }
    }

    private async Task WriteCacheAsync(IReadOnlyList<CatalogChange> changes, bool replace)
    {
        if (_store is null) return;
        try
        {
            if (replace) await _store.ReplaceAsync(changes, CancellationToken.None).ConfigureAwait(false);
            else await _store.ApplyAsync(changes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            KubernetesCatalogLog.CacheFailed(_logger, ex);
        }
    }

    private void Skip(ResourceKind kind, string? key, string reason)
    {
        lock (_gate) _skipped++;
        _metrics.Error("skipped");

        // Services meant for another proxy are skipped by design, not a problem worth a warning.
        if (reason.StartsWith("label ", StringComparison.Ordinal)) return;
        var category = ResourcePaths.Name(kind) + ":" + reason.Split(['\'', ':'], 2)[0];
        if (_warnings.ShouldLog(category, out var suppressed))
        {
            KubernetesCatalogLog.Skipped(_logger, ResourcePaths.Name(kind), key ?? "(unnamed)", reason,
                suppressed > 0 ? $" ({suppressed} similar warnings suppressed)" : "");
        }
    }

    private void SetResourceVersion(ResourceKind kind, string? rv)
    {
        if (rv is null) return;
        lock (_gate) _resourceVersions[ResourcePaths.Name(kind)] = rv;
    }

    private void SetError(string message, bool connected)
    {
        lock (_gate)
        {
            _lastError = message;
            _lastErrorAt = _time.GetUtcNow();
            _connected = connected;
        }
    }

    // Caller holds _gate.
    private void UpdateCounts()
    {
        _services = _projection.Count(CatalogObjectKind.Service);
        _endpoints = _projection.EndpointAddresses;
        _nodes = _projection.Count(CatalogObjectKind.Node);
    }

    private static string Truncate(string body) => body.Length <= 200 ? body : body[..200] + "…";
}
