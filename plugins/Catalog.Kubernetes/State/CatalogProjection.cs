using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

namespace PluginMesh.Plugins.Catalog.Kubernetes.State;

/// <summary>
/// What the API says (services, slices or Endpoints, nodes, Istio DestinationRules) and what has
/// been published to the sink, with the difference between the two as catalog changes.
/// </summary>
/// <remarks>
/// Publishing by difference is what makes watch handling safe: an ADDED for an object already
/// known, a MODIFIED for one never seen, a DELETED for one already gone, or a relist that repeats
/// what the watch delivered all yield exactly the changes needed and nothing twice.
/// A DestinationRule is not published itself: it changes the <see cref="MeshService.LoadBalancer"/>
/// of the service its host names, so a rule's change is a change of that service.
/// Not thread-safe: the source serializes all calls.
/// </remarks>
internal sealed class CatalogProjection(string proxyNameLabel, string proxyName)
{
    private readonly Dictionary<string, MeshService> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Service, List<MeshEndpoint> Endpoints)> _slices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _slicesByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<MeshEndpoint>> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MeshNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(CatalogObjectKind, string), object> _published = [];
    private readonly Dictionary<string, DestinationRule> _rules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _rulesByService = new(StringComparer.Ordinal);
    private readonly HashSet<(string Rule, string Code)> _noticed = [];
    private readonly Dictionary<string, string> _conflicts = new(StringComparer.Ordinal);
    private readonly List<string> _notices = [];

    // Objects of the kinds plugins asked for, per kind (each registered kind is one instance), by catalog key.
    private readonly Dictionary<CatalogResourceType, Dictionary<string, MeshResource>> _resources = new(ReferenceEqualityComparer.Instance);
    private bool _deferConflicts;

    /// <summary>Number of published objects by kind.</summary>
    public int Count(CatalogObjectKind kind) => _published.Keys.Count(k => k.Item1 == kind);

    /// <summary>Number of published endpoint addresses.</summary>
    public int EndpointAddresses => _published.Values.OfType<ServiceEndpoints>().Sum(e => e.Endpoints.Count);

    /// <summary>Number of published nodes that carry their agent's binding.</summary>
    public int NodeAgents => _published.Values.Count(v => v is MeshNode { Agent: not null });

    /// <summary>Number of DestinationRules known (those skipped excluded).</summary>
    public int DestinationRules => _rules.Count;

    /// <summary>Number of served services whose load-balancing policy a DestinationRule sets.</summary>
    public int ServicesWithRule => _rulesByService.Keys.Count(k => _services.ContainsKey(k) && WinningRule(k)?.LoadBalancer is not null);

    /// <summary>
    /// Messages about DestinationRules gathered since the last call — conflicts between rules for
    /// one host, and problems that do not stop a rule — each reported once, not on every re-list.
    /// </summary>
    public List<string> TakeNotices()
    {
        var notices = _notices.ToList();
        _notices.Clear();
        return notices;
    }

    private delegate TResult Mapper<in TModel, out TResult>(TModel model, out string? skip);

    // Reads obj as its API model and maps that. skip says why the object is not served: the mapper's
    // reason, or that it does not fit the model (the result is then null).
    private static TResult? Map<TModel, TResult>(JsonElement obj, string model, Mapper<TModel, TResult?> map, out string? skip)
        where TModel : class
    {
        var read = KubeJson.Deserialize<TModel>(obj, out var problem);
        skip = null;
        var mapped = read is null ? default : map(read, out skip);
        skip ??= problem is null ? null : $"does not fit the {model} model: " + problem;
        return mapped;
    }

    /// <summary>
    /// Records an added or modified object. Returns the catalog keys it may affect; sets
    /// <paramref name="skip"/> when the object is not served (it is then removed if it was).
    /// </summary>
    public List<(CatalogObjectKind, string)> Upsert(ResourceKind kind, JsonElement obj, List<string> warnings, out string? skip)
    {
        skip = null;
        var affected = new List<(CatalogObjectKind, string)>();
        var key = KubeJson.Key(obj);
        switch (kind)
        {
            case ResourceKind.Services:
            {
                var service = Map(obj, "Service", (V1Service m, out string? s) => ServiceMapper.Map(m, proxyNameLabel, proxyName, out s), out skip);
                if (key is null) return affected;
                if (service is null) _services.Remove(key);
                else _services[key] = service;
                affected.Add((CatalogObjectKind.Service, key));
                affected.Add((CatalogObjectKind.Endpoints, key));
                break;
            }

            case ResourceKind.EndpointSlices:
            {
                var mapped = Map(obj, "EndpointSlice", (V1EndpointSlice m, out string? s) => EndpointSliceMapper.Map(m, warnings, out s), out skip);
                if (key is null) return affected;
                affected.AddRange(RemoveSlice(key));
                if (mapped is { } m)
                {
                    var service = m.Service.ToString();
                    _slices[key] = (service, m.Endpoints);
                    if (!_slicesByService.TryGetValue(service, out var set)) _slicesByService[service] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(key);
                    affected.Add((CatalogObjectKind.Endpoints, service));
                }

                break;
            }

            case ResourceKind.Endpoints:
            {
                var mapped = Map(obj, "Endpoints", (V1Endpoints m, out string? s) => EndpointsMapper.Map(m, warnings, out s), out skip);
                if (key is null) return affected;
                if (mapped is { } m) _endpoints[key] = m.Endpoints;
                else _endpoints.Remove(key);
                affected.Add((CatalogObjectKind.Endpoints, key));
                break;
            }

            case ResourceKind.DestinationRules:
            {
                var notices = new List<RuleNotice>();
                var rule = DestinationRuleMapper.Map(obj, notices, out skip);
                if (key is null) return affected;
                affected.AddRange(RemoveRule(key));
                if (rule is not null)
                {
                    var service = rule.Target.ToString();
                    _rules[key] = rule;
                    if (!_rulesByService.TryGetValue(service, out var set)) _rulesByService[service] = set = new HashSet<string>(StringComparer.Ordinal);
                    set.Add(key);
                    affected.Add((CatalogObjectKind.Service, service));
                }

                // Each problem once per rule: a re-list or an unrelated edit does not repeat it; one
                // that went away and comes back is reported again.
                var current = rule is null ? [] : notices;
                _noticed.RemoveWhere(n => n.Rule == key && !current.Any(x => x.Code == n.Code));
                foreach (var notice in current)
                {
                    if (_noticed.Add((key, notice.Code))) _notices.Add($"DestinationRule {key} (host {rule!.Host}): {notice.Message}");
                }

                CheckConflicts(affected);
                break;
            }

            case ResourceKind.Nodes:
            {
                var node = Map(obj, "Node", (V1Node m, out string? s) => NodeMapper.Map(m, warnings, out s), out skip);
                if (key is null) return affected;
                if (node is null) _nodes.Remove(key);
                else _nodes[key] = node;
                affected.Add((CatalogObjectKind.Node, key));
                break;
            }
        }

        if (key is null) skip ??= "no metadata.name";
        return affected;
    }

    /// <summary>Records a deletion; deleting an unknown object is a no-op.</summary>
    public List<(CatalogObjectKind, string)> Delete(ResourceKind kind, JsonElement obj)
    {
        var key = KubeJson.Key(obj);
        if (key is null) return [];
        switch (kind)
        {
            case ResourceKind.Services:
                _services.Remove(key);
                return [(CatalogObjectKind.Service, key), (CatalogObjectKind.Endpoints, key)];
            case ResourceKind.EndpointSlices:
                return RemoveSlice(key);
            case ResourceKind.Endpoints:
                _endpoints.Remove(key);
                return [(CatalogObjectKind.Endpoints, key)];
            case ResourceKind.Nodes:
                _nodes.Remove(key);
                return [(CatalogObjectKind.Node, key)];
            case ResourceKind.DestinationRules:
            {
                // The service falls back to its own annotation (or the node default), or to an older/younger rule.
                var affected = RemoveRule(key);
                _noticed.RemoveWhere(n => n.Rule == key);
                CheckConflicts(affected);
                return affected;
            }

            default:
                return [];
        }
    }

    /// <summary>
    /// Replaces everything known of <paramref name="kind"/> with a fresh list. Objects not served and
    /// parts of objects dropped (a bad CIDR, address or annotation) are reported through
    /// <paramref name="skipped"/> with the object's key.
    /// </summary>
    public List<(CatalogObjectKind, string)> Replace(ResourceKind kind, IEnumerable<JsonElement> items, Action<string?, string> skipped)
    {
        var affected = new List<(CatalogObjectKind, string)>();
        switch (kind)
        {
            case ResourceKind.Services:
                affected.AddRange(_services.Keys.SelectMany(k => new[] { (CatalogObjectKind.Service, k), (CatalogObjectKind.Endpoints, k) }));
                _services.Clear();
                break;
            case ResourceKind.EndpointSlices:
                affected.AddRange(_slicesByService.Keys.Select(k => (CatalogObjectKind.Endpoints, k)));
                _slices.Clear();
                _slicesByService.Clear();
                break;
            case ResourceKind.Endpoints:
                affected.AddRange(_endpoints.Keys.Select(k => (CatalogObjectKind.Endpoints, k)));
                _endpoints.Clear();
                break;
            case ResourceKind.Nodes:
                affected.AddRange(_nodes.Keys.Select(k => (CatalogObjectKind.Node, k)));
                _nodes.Clear();
                break;
            case ResourceKind.DestinationRules:
                affected.AddRange(_rulesByService.Keys.Select(k => (CatalogObjectKind.Service, k)));
                _rules.Clear();
                _rulesByService.Clear();
                // Judge conflicts on the whole new list, not on each partial state while it is read.
                _deferConflicts = true;
                break;
        }

        try
        {
            foreach (var item in items)
            {
                var warnings = new List<string>();
                affected.AddRange(Upsert(kind, item, warnings, out var skip));
                var key = KubeJson.Key(item);
                if (skip is not null) skipped(key, skip);
                foreach (var warning in warnings) skipped(key, warning);
            }
        }
        finally
        {
            _deferConflicts = false;
        }

        if (kind == ResourceKind.DestinationRules)
        {
            _noticed.RemoveWhere(n => !_rules.ContainsKey(n.Rule));
            CheckConflicts(affected);
        }

        return affected;
    }

    /// <summary>Number of objects of <paramref name="type"/> known.</summary>
    public int Resources(CatalogResourceType type) => _resources.TryGetValue(type, out var known) ? known.Count : 0;

    /// <summary>Records an added or modified object of <paramref name="type"/>; returns its catalog key.</summary>
    public List<(CatalogObjectKind, string)> UpsertResource(CatalogResourceType type, MeshResource resource)
    {
        var key = resource.Key.ToString();
        ResourceStore(type)[key] = resource;
        return [(CatalogObjectKind.Resource, key)];
    }

    /// <summary>Records the deletion of an object of <paramref name="type"/>; deleting an unknown one is a no-op.</summary>
    public List<(CatalogObjectKind, string)> DeleteResource(CatalogResourceType type, ResourceKey key)
    {
        ResourceStore(type).Remove(key.ToString());
        return [(CatalogObjectKind.Resource, key.ToString())];
    }

    /// <summary>Replaces everything known of <paramref name="type"/> with a fresh list (empty: the kind is gone).</summary>
    public List<(CatalogObjectKind, string)> ReplaceResources(CatalogResourceType type, IEnumerable<MeshResource> resources)
    {
        var store = ResourceStore(type);
        var affected = store.Keys.Select(k => (CatalogObjectKind.Resource, k)).ToList();
        store.Clear();
        foreach (var resource in resources) affected.AddRange(UpsertResource(type, resource));
        return affected;
    }

    /// <summary>
    /// Takes the objects of <paramref name="types"/> in a state served from the cache as known, so a kind whose
    /// next list fails keeps them (an agent cut off from the API keeps its gateway configuration); objects of
    /// kinds nobody asks for any more are not taken, and leave the sink at the first full list.
    /// </summary>
    public void SeedResources(IReadOnlyList<CatalogChange> state, IEnumerable<CatalogResourceType> types)
    {
        var list = types.ToList();
        foreach (var change in state)
        {
            if (change.Kind != CatalogObjectKind.Resource || change.Value is not MeshResource resource) continue;
            if (list.FirstOrDefault(t => t.Matches(resource)) is { } type) ResourceStore(type)[change.Key] = resource;
        }
    }

    private Dictionary<string, MeshResource> ResourceStore(CatalogResourceType type)
    {
        if (!_resources.TryGetValue(type, out var store)) _resources[type] = store = new Dictionary<string, MeshResource>(StringComparer.Ordinal);
        return store;
    }

    /// <summary>Changes that bring the published state of <paramref name="affected"/> keys in line; marks them published.</summary>
    public List<CatalogChange> Diff(IEnumerable<(CatalogObjectKind Kind, string Key)> affected)
    {
        var changes = new List<CatalogChange>();
        foreach (var (kind, key) in affected.Distinct())
        {
            var desired = Desired(kind, key);
            var had = _published.TryGetValue((kind, key), out var published);
            if (desired is null)
            {
                if (!had) continue;
                _published.Remove((kind, key));
                changes.Add(new CatalogChange(kind, key, null));
                continue;
            }

            if (had && CatalogValues.SameContent(published!, desired)) continue;
            _published[(kind, key)] = desired;
            changes.Add(new CatalogChange(kind, key, desired));
        }

        return changes;
    }

    /// <summary>Recomputes every key and returns the full published state (for <see cref="ICatalogSink.ReplaceAsync"/>).</summary>
    public List<CatalogChange> FullState()
    {
        var all = _published.Keys.ToList();
        all.AddRange(_services.Keys.SelectMany(k => new[] { (CatalogObjectKind.Service, k), (CatalogObjectKind.Endpoints, k) }));
        all.AddRange(_nodes.Keys.Select(k => (CatalogObjectKind.Node, k)));
        all.AddRange(_resources.Values.SelectMany(s => s.Keys).Select(k => (CatalogObjectKind.Resource, k)));
        Diff(all);
        return _published
            .OrderBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal)
            .Select(kv => new CatalogChange(kv.Key.Item1, kv.Key.Item2, kv.Value))
            .ToList();
    }

    /// <summary>Takes a state served from the cache as what the sink currently holds.</summary>
    public void SetPublished(IReadOnlyList<CatalogChange> state)
    {
        _published.Clear();
        foreach (var change in state)
        {
            if (change.Value is { } value) _published[(change.Kind, change.Key)] = value;
        }
    }

    private List<(CatalogObjectKind, string)> RemoveSlice(string sliceKey)
    {
        if (!_slices.Remove(sliceKey, out var old)) return [];
        if (_slicesByService.TryGetValue(old.Service, out var set))
        {
            set.Remove(sliceKey);
            if (set.Count == 0) _slicesByService.Remove(old.Service);
        }

        return [(CatalogObjectKind.Endpoints, old.Service)];
    }

    private List<(CatalogObjectKind, string)> RemoveRule(string ruleKey)
    {
        if (!_rules.Remove(ruleKey, out var old)) return [];
        var service = old.Target.ToString();
        if (_rulesByService.TryGetValue(service, out var set))
        {
            set.Remove(ruleKey);
            if (set.Count == 0) _rulesByService.Remove(service);
        }

        return [(CatalogObjectKind.Service, service)];
    }

    /// <summary>
    /// The rule that decides a service's traffic policy: as Istio merges DestinationRules for one host,
    /// the oldest rule with a top-level <c>trafficPolicy</c> wins and the others' are dropped.
    /// </summary>
    private DestinationRule? WinningRule(string service)
    {
        if (!_rulesByService.TryGetValue(service, out var keys)) return null;
        DestinationRule? best = null;
        foreach (var key in keys)
        {
            var rule = _rules[key];
            if (rule.HasTrafficPolicy && DestinationRule.Compare(rule, best) < 0) best = rule;
        }

        return best;
    }

    // Reports a conflict when the set of competing rules for a service changes (not on every re-list).
    private void CheckConflicts(IEnumerable<(CatalogObjectKind Kind, string Key)> affected)
    {
        if (_deferConflicts) return;
        foreach (var service in affected.Where(a => a.Kind == CatalogObjectKind.Service).Select(a => a.Key).Distinct(StringComparer.Ordinal))
        {
            var contenders = _rulesByService.TryGetValue(service, out var keys)
                ? keys.Select(k => _rules[k]).Where(r => r.HasTrafficPolicy).Order(Comparer<DestinationRule>.Create(DestinationRule.Compare)).ToList()
                : [];
            if (contenders.Count < 2)
            {
                _conflicts.Remove(service);
                continue;
            }

            var signature = string.Join(',', contenders.Select(r => r.Key));
            if (_conflicts.TryGetValue(service, out var known) && known == signature) continue;
            _conflicts[service] = signature;
            _notices.Add($"{contenders.Count} DestinationRules with a trafficPolicy name service {service}: {contenders[0].Key} " +
                         $"(the oldest) applies, ignored: {string.Join(", ", contenders.Skip(1).Select(r => r.Key))}");
        }
    }

    private object? Desired(CatalogObjectKind kind, string key)
    {
        switch (kind)
        {
            case CatalogObjectKind.Service:
            {
                if (!_services.TryGetValue(key, out var own)) return null;
                // A DestinationRule's load balancer overrides the service's own annotation.
                return WinningRule(key)?.LoadBalancer is { } lb ? own with { LoadBalancer = lb } : own;
            }

            case CatalogObjectKind.Node:
                return _nodes.GetValueOrDefault(key);
            case CatalogObjectKind.Resource:
                // Two registrations may narrow one kind differently (namespace, selector): an object either sees is served.
                foreach (var store in _resources.Values)
                {
                    if (store.TryGetValue(key, out var resource)) return resource;
                }

                return null;
            case CatalogObjectKind.Endpoints:
                // Endpoints of a service the mesh does not serve (filtered, ExternalName, unknown) are not published.
                if (!_services.TryGetValue(key, out var service)) return null;
                return new ServiceEndpoints(service.Key, MergedEndpoints(key));
            default:
                return null;
        }
    }

    private List<MeshEndpoint> MergedEndpoints(string service)
    {
        if (_endpoints.TryGetValue(service, out var fromEndpoints)) return fromEndpoints;
        if (!_slicesByService.TryGetValue(service, out var sliceKeys)) return [];

        // During slice churn an address can briefly sit in two slices; list it once, ready if any says so.
        var byAddress = new Dictionary<System.Net.IPAddress, MeshEndpoint>();
        foreach (var sliceKey in sliceKeys.Order(StringComparer.Ordinal))
        {
            foreach (var e in _slices[sliceKey].Endpoints)
            {
                byAddress[e.Address] = byAddress.TryGetValue(e.Address, out var existing) && existing.Ready && !e.Ready ? existing : e;
            }
        }

        return byAddress.Values.OrderBy(e => e.Address.ToString(), StringComparer.Ordinal).ToList();
    }
}
