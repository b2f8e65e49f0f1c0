using PluginMesh.Abstractions.Cache;
using PluginMesh.Plugins.Catalog.Kubernetes.Resources;
using PluginMesh.Plugins.Catalog.Kubernetes.Watching;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

// Full lists, the cache fallback and the single path through which every change is applied.
public sealed partial class KubernetesCatalogSource
{
    private async Task<List<WatchTarget>> ListAllAsync(KubeApiClient api, string trigger, CancellationToken cancellationToken)
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

            // Optional: re-probed on every full list, so Istio installed (or RBAC fixed) later is picked up.
            var rules = await ProbeDestinationRulesAsync(api, documents, cancellationToken).ConfigureAwait(false);

            // The kinds plugins asked for: optional in the same way, each on its own.
            var kinds = new List<(ResourceTypeWatch Watch, KindProbe Probe)>();
            foreach (var watch in _kinds)
            {
                kinds.Add((watch, await ProbeAsync(api, watch.Candidates(), watch.Type.Plural, documents, cancellationToken).ConfigureAwait(false)));
            }

            await _apply.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var affected = new List<(CatalogObjectKind, string)>();
                affected.AddRange(_projection.Replace(ResourceKind.Services, services.Value.Items, (k, r) => Skip(ResourceKind.Services, k, r)));
                var otherKind = endpointsKind == ResourceKind.EndpointSlices ? ResourceKind.Endpoints : ResourceKind.EndpointSlices;
                affected.AddRange(_projection.Replace(otherKind, [], (_, _) => { }));
                affected.AddRange(_projection.Replace(endpointsKind, endpoints.Value.Items, (k, r) => Skip(endpointsKind, k, r)));
                affected.AddRange(_projection.Replace(ResourceKind.Nodes, nodes.Value.Items, (k, r) => Skip(ResourceKind.Nodes, k, r)));
                if (_publisher is { } publisher)
                {
                    var own = nodes.Value.Items.Where(i => KubeJson.Key(i) == publisher.NodeName).Select(i => (JsonElement?)i).FirstOrDefault();
                    publisher.Observe(own);
                }

                // Items null: the answer says nothing about the rules (failed, disabled); keep what is known.
                if (rules.Items is not null)
                {
                    affected.AddRange(_projection.Replace(ResourceKind.DestinationRules, rules.Items,
                        (k, r) => Skip(ResourceKind.DestinationRules, k, r)));
                }

                foreach (var (watch, probe) in kinds)
                {
                    // Items null (failed): keep the objects known so far, from earlier lists or the cache.
                    if (probe.Items is not null) affected.AddRange(_projection.ReplaceResources(watch.Type, ReadResources(watch, probe)));
                }

                LogRuleNotices();

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
                    if (rules.Path is not null) _resourceVersions[ResourcePaths.Name(ResourceKind.DestinationRules)] = rules.ResourceVersion!;
                    _rulesKind.Set(rules.State, rules.Path, rules.ApiVersion, rules.Reason);
                    foreach (var (watch, probe) in kinds)
                    {
                        if (probe.Path is not null) _resourceVersions[watch.Label] = probe.ResourceVersion!;
                        watch.Set(probe.State, probe.Path, probe.ApiVersion, probe.Reason);
                    }

                    ListSucceeded();
                    _state.FullSync();
                    _fromCache = false;
                    _listedOnce = true;
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
            LogRulesState(api);
            foreach (var watch in _kinds) LogKindState(watch, api);
            var targets = new List<WatchTarget>
            {
                CoreTarget(ResourceKind.Services, ResourcePaths.Of(ResourceKind.Services), services.Value.ResourceVersion),
                CoreTarget(endpointsKind, ResourcePaths.Of(endpointsKind), endpoints.Value.ResourceVersion),
                CoreTarget(ResourceKind.Nodes, ResourcePaths.Of(ResourceKind.Nodes), nodes.Value.ResourceVersion),
            };
            if (rules.Path is not null) targets.Add(CoreTarget(ResourceKind.DestinationRules, rules.Path, rules.ResourceVersion!));
            targets.AddRange(kinds.Where(k => k.Probe.Path is not null).Select(k => KindTarget(k.Watch, k.Probe.Path!, k.Probe.ResourceVersion!)));
            return targets;
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
        var list = await ListPathAsync(api, path, documents, cancellationToken).ConfigureAwait(false);
        if (list.Status == 404) return null;
        if (list.Items is null) throw new ApiRequestFailedException($"list {path}: HTTP {list.Status} {Truncate(list.Body)}");
        return (list.ResourceVersion!, list.Items);
    }

    /// <summary>
    /// Where DestinationRules are served: v1, else v1beta1. A 404 for both (Istio not installed) and
    /// a 403 (RBAC lacks them) mean "no rules"; any other failure leaves the known rules as they are.
    /// Only an unreachable API throws, as it does for every other resource.
    /// </summary>
    private Task<KindProbe> ProbeDestinationRulesAsync(KubeApiClient api, List<JsonDocument> documents, CancellationToken cancellationToken) =>
        _options.Istio == IstioMode.Disabled
            ? Task.FromResult(new KindProbe("disabled", null, null, null, null, null))
            : ProbeAsync(api,
                [(ResourcePaths.DestinationRulesV1, "networking.istio.io/v1"), (ResourcePaths.DestinationRulesV1Beta1, "networking.istio.io/v1beta1")],
                "destinationrules", documents, cancellationToken);

    /// <summary>
    /// Lists an optional kind at the first of <paramref name="candidates"/> (path, apiVersion) its server
    /// serves. A 404 for all of them (its CRD not installed) is "not-served" and a 403 (RBAC lacks it)
    /// "forbidden", both with no objects; another failure is "failed", saying nothing of the objects. Only
    /// an unreachable API throws, as it does for every other resource.
    /// </summary>
    private async Task<KindProbe> ProbeAsync(KubeApiClient api, IReadOnlyList<(string Path, string ApiVersion)> candidates, string plural,
        List<JsonDocument> documents, CancellationToken cancellationToken)
    {
        foreach (var (path, version) in candidates)
        {
            ListResponse list;
            try
            {
                list = await ListPathAsync(api, path, documents, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiRequestFailedException ex)
            {
                return new KindProbe("failed", null, null, null, null, ex.Message);
            }

            switch (list.Status)
            {
                case 404:
                    continue;
                case 403:
                    return new KindProbe("forbidden", null, null, null, [], $"list {path}: HTTP 403 {Truncate(list.Body)}");
                case < 200 or > 299:
                    return new KindProbe("failed", null, null, null, null, $"list {path}: HTTP {list.Status} {Truncate(list.Body)}");
                default:
                    return new KindProbe("watching", path, version, list.ResourceVersion, list.Items, null);
            }
        }

        return new KindProbe("not-served", null, null, null, [], $"HTTP 404 for {string.Join(" and ", candidates.Select(c => c.ApiVersion))} {plural}");
    }

    /// <summary>GETs a list; a non-2xx answer is returned (without items), a 2xx one that is not a list throws.</summary>
    private async Task<ListResponse> ListPathAsync(KubeApiClient api, string path, List<JsonDocument> documents, CancellationToken cancellationToken)
    {
        var (status, body) = await api.ListAsync(path, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (status is < 200 or > 299) return new ListResponse(status, body, null, null);

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
        if (rv is null || root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items", out var items) ||
            items.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            throw new ApiRequestFailedException($"list {path}: response has no metadata.resourceVersion or items");
        return new ListResponse(status, body, rv, items.ValueKind == JsonValueKind.Array ? items.EnumerateArray().ToList() : []);
    }

    /// <summary>
    /// The DestinationRule collection answered 404 or 403 while being watched (Istio removed, RBAC
    /// revoked): the rules are gone, services fall back to their own policy, and the kind is not
    /// watched again before the next full list asks.
    /// </summary>
    private async Task DestinationRulesGoneAsync(int statusCode, string reason, CancellationToken cancellationToken)
    {
        var name = ResourcePaths.Name(ResourceKind.DestinationRules);
        await ApplyProjectedAsync(() => _projection.Replace(ResourceKind.DestinationRules, [], (_, _) => { }), () =>
        {
            _resourceVersions.Remove(name);
            // Not watched any more, and its answer (404, 403) came from a reachable API.
            WatchHealthy(name);
            _rulesKind.Set(statusCode == 403 ? "forbidden" : "not-served", null, null, "watch: " + reason);
        }, cancellationToken).ConfigureAwait(false);
        LogRulesState(null);
    }

    /// <summary>
    /// Applies what <paramref name="project"/> changes in the projection to the sink and the cache, then runs
    /// <paramref name="underGate"/> (when given) with the counts under the status lock.
    /// </summary>
    private async Task ApplyProjectedAsync(Func<List<(CatalogObjectKind, string)>> project, Action? underGate, CancellationToken cancellationToken)
    {
        await _apply.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changes = _projection.Diff(project());

            // Not cancellable from here: sink and cache must see the same changes.
            if (changes.Count > 0)
            {
                await _sink.ApplyAsync(SourceName, changes, CancellationToken.None).ConfigureAwait(false);
                await WriteCacheAsync(changes, replace: false).ConfigureAwait(false);
            }

            lock (_gate)
            {
                underGate?.Invoke();
                UpdateCounts();
            }
        }
        finally
        {
            _apply.Release();
        }
    }

    /// <summary>Logs the DestinationRule state when it changed: one line per change, not one per re-list.</summary>
    private void LogRulesState(KubeApiClient? api)
    {
        if (Unlogged(_rulesKind) is not { } change) return;
        var label = api?.BaseUri.ToString() ?? Status.Api;
        switch (change.State)
        {
            case "watching":
                KubernetesCatalogLog.DestinationRulesWatched(_logger, change.ApiVersion ?? "?", label);
                break;
            case "not-served" when _options.Istio == IstioMode.Enabled:
                KubernetesCatalogLog.DestinationRulesNotServedExpected(_logger, label);
                break;
            case "not-served":
                KubernetesCatalogLog.DestinationRulesNotServed(_logger, label);
                break;
            case "forbidden":
                KubernetesCatalogLog.DestinationRulesForbidden(_logger, change.Reason ?? "HTTP 403");
                break;
            case "failed":
                KubernetesCatalogLog.DestinationRulesFailed(_logger, change.Reason ?? "?");
                break;
        }
    }

    private void LogRuleNotices()
    {
        foreach (var notice in _projection.TakeNotices()) KubernetesCatalogLog.DestinationRuleNotice(_logger, notice);
    }

    private async Task ServeCacheOnceAsync()
    {
        if (_cache is null || _state.Synced) return;
        var cached = _cache.RestoreOrEmpty(SourceName, ex => KubernetesCatalogLog.CacheFailed(_logger, ex));
        if (cached.Count == 0) return;
        await _apply.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _sink.ReplaceAsync(SourceName, cached, CancellationToken.None).ConfigureAwait(false);
            _projection.SetPublished(cached);
            _projection.SeedResources(cached, _kinds.Select(k => k.Type));
            _needReplace = true;
            lock (_gate)
            {
                _state.ServedFromCache();
                _fromCache = true;
                _cachedObjects = cached.Count;
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
            if (kind == ResourceKind.Nodes && _publisher is { } publisher && KubeJson.Key(obj) == publisher.NodeName)
                publisher.Observe(type == "DELETED" ? null : obj);
            LogRuleNotices();
            var changes = _projection.Diff(affected);

            // Not cancellable from here: sink and cache must see the same changes.
            if (changes.Count > 0)
            {
                await _sink.ApplyAsync(SourceName, changes, CancellationToken.None).ConfigureAwait(false);
                await WriteCacheAsync(changes, replace: false).ConfigureAwait(false);
            }

            // Connected is not set here: an event on one healthy watch says nothing of a failing other.
            lock (_gate) UpdateCounts();

            SetResourceVersion(kind, KubeJson.ResourceVersion(obj));
        }
        finally
        {
            _apply.Release();
        }
    }

    private async Task WriteCacheAsync(IReadOnlyList<CatalogChange> changes, bool replace)
    {
        if (_cache is null) return;
        try
        {
            if (replace) await _cache.ReplaceAsync(SourceName, changes, CancellationToken.None).ConfigureAwait(false);
            else await _cache.ApplyAsync(SourceName, changes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            KubernetesCatalogLog.CacheFailed(_logger, ex);
        }
    }

    private void Skip(ResourceKind kind, string? key, string reason) => Skip(ResourcePaths.Name(kind), key, reason);

    private void Skip(string resource, string? key, string reason)
    {
        lock (_gate) _skipped++;
        _metrics.Error("skipped");

        // Services meant for another proxy are skipped by design, not a problem worth a warning.
        if (reason.StartsWith("label ", StringComparison.Ordinal)) return;
        var category = resource + ":" + reason.Split(['\'', ':'], 2)[0];
        if (_warnings.ShouldLog(category, out var suppressed))
        {
            KubernetesCatalogLog.Skipped(_logger, resource, key ?? "(unnamed)", reason,
                suppressed > 0 ? $" ({suppressed} similar warnings suppressed)" : "");
        }
    }

    private void SetResourceVersion(ResourceKind kind, string? rv) => SetResourceVersion(ResourcePaths.Name(kind), rv);

    private void SetResourceVersion(string name, string? rv)
    {
        if (rv is null) return;
        lock (_gate) _resourceVersions[name] = rv;
    }

    /// <summary>Records an error; <paramref name="failedWatch"/> names the watch that failed, null for a failed list (or worse).</summary>
    private void SetError(string message, string? failedWatch)
    {
        lock (_gate)
        {
            _lastError = message;
            _lastErrorAt = _time.GetUtcNow();
            if (failedWatch is { } name) WatchFailing(name);
            else
            {
                _failingWatches.Clear();
                _state.SetConnected(false);
            }
        }
    }

    // Caller holds _gate.
    private void UpdateCounts()
    {
        _services = _projection.Count(CatalogObjectKind.Service);
        _endpoints = _projection.EndpointAddresses;
        _nodes = _projection.Count(CatalogObjectKind.Node);
        _agents = _projection.NodeAgents;
        _rules = _projection.DestinationRules;
        _rulesServices = _projection.ServicesWithRule;
        foreach (var watch in _kinds) watch.Count = _projection.Resources(watch.Type);
    }

    private static string Truncate(string body) => body.Length <= 200 ? body : body[..200] + "…";

    /// <summary>One list answer: items and resourceVersion for a 2xx status, null for any other.</summary>
    private sealed record ListResponse(int Status, string Body, string? ResourceVersion, List<JsonElement>? Items);

    /// <summary>
    /// What a full list found out about an optional kind (DestinationRules, a kind a plugin asked for): the
    /// state for status, the collection to watch (null when none), and the objects — empty when there are
    /// none to apply (404, 403), null when the answer says nothing about them (disabled, failed).
    /// </summary>
    private sealed record KindProbe(string State, string? Path, string? ApiVersion, string? ResourceVersion, List<JsonElement>? Items, string? Reason);
}
