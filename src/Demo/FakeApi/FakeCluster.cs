using System.Globalization;
using System.Text.Json.Nodes;

namespace PluginMesh.Demo.FakeApi;

/// <summary>
/// The state model behind <see cref="FakeApiServer"/>: objects per collection path, one
/// cluster-wide resourceVersion counter and the change history watches are served from, with
/// compaction (watching from before it is 410 Gone, as with etcd). Independent of HTTP so the same
/// state can back an in-test server or a standalone fake process.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class FakeCluster
{
    /// <summary>Collection path of Services.</summary>
    public const string Services = "api/v1/services";
    /// <summary>Collection path of EndpointSlices.</summary>
    public const string EndpointSlices = "apis/discovery.k8s.io/v1/endpointslices";
    /// <summary>Collection path of core/v1 Endpoints.</summary>
    public const string Endpoints = "api/v1/endpoints";
    /// <summary>Collection path of Nodes.</summary>
    public const string Nodes = "api/v1/nodes";
    /// <summary>Collection path of Istio DestinationRules (networking.istio.io/v1). Not served until <see cref="InstallIstio"/>.</summary>
    public const string DestinationRules = "apis/networking.istio.io/v1/destinationrules";
    /// <summary>The same DestinationRules at networking.istio.io/v1beta1 (one storage, two API versions, as in a real cluster).</summary>
    public const string DestinationRulesV1Beta1 = "apis/networking.istio.io/v1beta1/destinationrules";
    /// <summary>Collection path of core/v1 Secrets (served, like every core kind; <c>fieldSelector=type=…</c> works on them).</summary>
    public const string Secrets = "api/v1/secrets";

    // Every collection path the fake knows (served or not), with its kind and storage.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FakeCollection> _collections = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal)
    {
        [Services] = new(StringComparer.Ordinal),
        [EndpointSlices] = new(StringComparer.Ordinal),
        [Endpoints] = new(StringComparer.Ordinal),
        [Nodes] = new(StringComparer.Ordinal),
        [DestinationRules] = new(StringComparer.Ordinal),
        [Secrets] = new(StringComparer.Ordinal),
    };

    /// <summary>Creates an empty cluster serving the core kinds; Istio and other custom resources wait for their install.</summary>
    public FakeCluster()
    {
        foreach (var (group, version, kind, plural, namespaced) in new[]
                 {
                     ("", "v1", "Service", "services", true),
                     ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
                     ("", "v1", "Endpoints", "endpoints", true),
                     ("", "v1", "Node", "nodes", false),
                     ("", "v1", "Secret", "secrets", true),
                 })
        {
            var path = FakeCollection.PathOf(group, version, plural);
            _collections[path] = new FakeCollection(path, path, group, version, kind, plural, namespaced);
        }

        _collections[DestinationRules] = new FakeCollection(DestinationRules, DestinationRules, "networking.istio.io", "v1", "DestinationRule", "destinationrules", true);
        _collections[DestinationRulesV1Beta1] = new FakeCollection(DestinationRulesV1Beta1, DestinationRules, "networking.istio.io", "v1beta1", "DestinationRule", "destinationrules", true);
    }

    private readonly List<FakeWatchEvent> _history = [];

    // Istio is not installed until a test says so: its collections answer 404, as in a plain cluster.
    private readonly HashSet<string> _notServed = new(StringComparer.Ordinal) { DestinationRules, DestinationRulesV1Beta1 };
    private readonly HashSet<string> _forbidden = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _patchForbidden = new(StringComparer.Ordinal);
    private readonly List<(string Collection, string Name)> _patches = [];
    private readonly List<DateTimeOffset> _patchTimes = [];
    private volatile bool _patchNotSupported;
    private long _resourceVersion = 1000;
    private long _compactedThrough;
    private readonly Dictionary<string, long> _compactedThroughByPath = new(StringComparer.Ordinal);
    private long _bookmarks;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>The current cluster resourceVersion.</summary>
    public long ResourceVersion
    {
        get { lock (_gate) return _resourceVersion; }
    }

    /// <summary>Incremented by <see cref="RequestBookmark"/>; watches send a BOOKMARK when it moves.</summary>
    public long BookmarkGeneration
    {
        get { lock (_gate) return _bookmarks; }
    }

    /// <summary>Makes a collection answer 404, like a server that does not serve that API group.</summary>
    public void SetServed(string path, bool served)
    {
        lock (_gate)
        {
            if (served) _notServed.Remove(path);
            else _notServed.Add(path);
        }
    }

    /// <summary>True when <paramref name="path"/> is a collection this cluster serves.</summary>
    public bool IsServed(string path)
    {
        var (collection, ns) = FakeCollection.Split(path);
        if (ns is not null && Describe(collection) is not { Namespaced: true }) return false;
        lock (_gate) return _objects.ContainsKey(Storage(collection)) && !_notServed.Contains(collection);
    }

    /// <summary>What is served at <paramref name="path"/> (cluster-wide or namespaced collection path), or null for a path the fake does not know.</summary>
    public FakeCollection? Describe(string path) => _collections.GetValueOrDefault(FakeCollection.Split(path).Collection);

    /// <summary>
    /// Installs a CustomResourceDefinition: objects of <paramref name="kind"/> (namespaced) served at
    /// <c>apis/GROUP/VERSION/PLURAL</c> for each of <paramref name="versions"/>, all views of one storage (an
    /// object written at one version reads at every other with that version's apiVersion). Until then the
    /// collections answer 404, as in a cluster without the CRD. Installing again changes the versions served
    /// (a version left out answers 404); the stored objects stay.
    /// </summary>
    /// <returns>The cluster-wide collection paths, in the order of <paramref name="versions"/>.</returns>
    public IReadOnlyList<string> InstallCustomResource(string group, string kind, string plural, params string[] versions)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(plural);
        if (versions is null || versions.Length == 0) throw new ArgumentException("a custom resource needs at least one version", nameof(versions));
        var storage = $"apis/{group}/{plural}";
        var paths = new List<string>();
        lock (_gate)
        {
            _objects.TryAdd(storage, new SortedDictionary<string, JsonObject>(StringComparer.Ordinal));
            foreach (var known in _collections.Values.Where(c => c.Storage == storage)) _notServed.Add(known.Path);
            foreach (var version in versions)
            {
                var path = FakeCollection.PathOf(group, version, plural);
                _collections[path] = new FakeCollection(path, storage, group, version, kind, plural, true);
                _notServed.Remove(path);
                paths.Add(path);
            }
        }

        return paths;
    }

    /// <summary>Stops serving a custom resource (every version answers 404 again); its objects stay stored for a later install.</summary>
    public void UninstallCustomResource(string group, string plural)
    {
        var storage = $"apis/{group}/{plural}";
        lock (_gate)
        {
            foreach (var known in _collections.Values.Where(c => c.Storage == storage)) _notServed.Add(known.Path);
        }
    }

    /// <summary>
    /// Creates or replaces <paramref name="obj"/> in the collection its <c>apiVersion</c> and <c>kind</c> name
    /// (a core kind, or a custom resource installed by <see cref="InstallCustomResource"/>, served or not).
    /// </summary>
    /// <exception cref="ArgumentException">No collection holds that apiVersion and kind.</exception>
    public (string Type, long ResourceVersion) Put(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return Apply(CollectionOf(obj["apiVersion"]?.GetValue<string>(), obj["kind"]?.GetValue<string>()), obj);
    }

    /// <summary>Deletes the object of <paramref name="kind"/> at <paramref name="apiVersion"/> named <paramref name="name"/> in <paramref name="ns"/> (null: cluster-scoped); false when absent.</summary>
    /// <exception cref="ArgumentException">No collection holds that apiVersion and kind.</exception>
    public bool DeleteObject(string apiVersion, string kind, string? ns, string name) => Delete(CollectionOf(apiVersion, kind), ns, name);

    private string CollectionOf(string? apiVersion, string? kind) =>
        _collections.Values.FirstOrDefault(c => c.ApiVersion == apiVersion && c.Kind == kind)?.Path
        ?? throw new ArgumentException($"the fake cluster has no collection for apiVersion '{apiVersion}' kind '{kind}' (install the custom resource first)");

    /// <summary>Collection path of Istio Gateways at networking.istio.io/v1 (served from <see cref="InstallIstio"/> on).</summary>
    public const string Gateways = "apis/networking.istio.io/v1/gateways";
    /// <summary>Collection path of Istio VirtualServices at networking.istio.io/v1 (served from <see cref="InstallIstio"/> on).</summary>
    public const string VirtualServices = "apis/networking.istio.io/v1/virtualservices";

    /// <summary>
    /// Installs Istio's networking CRDs: DestinationRules at networking.istio.io/v1 and v1beta1 (Istio 1.22
    /// and later), or only at v1beta1 when <paramref name="v1"/> is false (older Istio); Gateways and
    /// VirtualServices likewise, and at v1alpha3 too — each kind one storage for all its versions.
    /// </summary>
    public void InstallIstio(bool v1 = true)
    {
        SetServed(DestinationRules, v1);
        SetServed(DestinationRulesV1Beta1, true);
        string[] versions = v1 ? ["v1", "v1beta1", "v1alpha3"] : ["v1beta1", "v1alpha3"];
        InstallCustomResource("networking.istio.io", "Gateway", "gateways", versions);
        InstallCustomResource("networking.istio.io", "VirtualService", "virtualservices", versions);
    }

    /// <summary>Stops serving Istio's networking kinds (404 again); the objects stay stored for a later <see cref="InstallIstio"/>.</summary>
    public void UninstallIstio()
    {
        SetServed(DestinationRules, false);
        SetServed(DestinationRulesV1Beta1, false);
        UninstallCustomResource("networking.istio.io", "gateways");
        UninstallCustomResource("networking.istio.io", "virtualservices");
    }

    /// <summary>Makes a collection answer 403 Forbidden, like an RBAC role that does not grant it.</summary>
    public void SetForbidden(string path, bool forbidden)
    {
        lock (_gate)
        {
            if (forbidden) _forbidden.Add(path);
            else _forbidden.Remove(path);
        }
    }

    /// <summary>
    /// Makes requests for a collection (cluster-wide path: its namespaces too) answer <paramref name="statusCode"/>
    /// (e.g. 500, 503) with a Status body, like a broken aggregated API or conversion webhook; null serves it again.
    /// </summary>
    public void FailRequests(string path, int? statusCode)
    {
        lock (_gate)
        {
            if (statusCode is { } code) _failing[path] = code;
            else _failing.Remove(path);
        }
    }

    /// <summary>The status <see cref="FailRequests"/> set for <paramref name="path"/>, or null.</summary>
    public int? FailureOf(string path)
    {
        lock (_gate)
        {
            return _failing.TryGetValue(path, out var code) || _failing.TryGetValue(FakeCollection.Split(path).Collection, out code) ? code : null;
        }
    }

    /// <summary>True when requests for <paramref name="path"/> are refused with 403.</summary>
    public bool IsForbidden(string path)
    {
        // A refusal of the cluster-wide collection covers its namespaces too (a ClusterRole lacking the resource).
        lock (_gate) return _forbidden.Contains(path) || _forbidden.Contains(FakeCollection.Split(path).Collection);
    }

    /// <summary>When true, every PATCH is answered 405 (KubeEdge's metaServer serves reads only).</summary>
    public bool PatchNotSupported
    {
        get => _patchNotSupported;
        set => _patchNotSupported = value;
    }

    /// <summary>
    /// Refuses PATCH of <paramref name="name"/> in <paramref name="collection"/> with 403 (null name: of
    /// every object there), like an RBAC role without the verb or a ValidatingAdmissionPolicy that lets an
    /// agent patch only its own Node.
    /// </summary>
    public void ForbidPatch(string collection, string? name, bool forbidden = true)
    {
        var key = collection + "/" + (name ?? "*");
        lock (_gate)
        {
            if (forbidden) _patchForbidden.Add(key);
            else _patchForbidden.Remove(key);
        }
    }

    /// <summary>True when a PATCH of that object is refused with 403.</summary>
    public bool IsPatchForbidden(string collection, string name)
    {
        lock (_gate) return _patchForbidden.Contains(collection + "/*") || _patchForbidden.Contains(collection + "/" + name);
    }

    /// <summary>Every object patched successfully, in order.</summary>
    public IReadOnlyList<(string Collection, string Name)> Patches
    {
        get { lock (_gate) return _patches.ToList(); }
    }

    /// <summary>When each of <see cref="Patches"/> was applied (wall clock), in the same order.</summary>
    public IReadOnlyList<DateTimeOffset> PatchTimes
    {
        get { lock (_gate) return _patchTimes.ToList(); }
    }

    /// <summary>A copy of one cluster-scoped object, or null.</summary>
    public JsonObject? Get(string path, string name)
    {
        path = Storage(path);
        lock (_gate) return _objects.TryGetValue(path, out var objects) && objects.TryGetValue(name, out var o) ? (JsonObject)o.DeepClone() : null;
    }

    /// <summary>
    /// Applies a merge patch (RFC 7386) or a JSON patch (RFC 6902: add, replace, remove, test) to one
    /// cluster-scoped object, bumps its resourceVersion and records a MODIFIED event (unless the object
    /// is left as it was: then, as in kube-apiserver, nothing is written and no event sent). Null when the
    /// object does not exist; <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/>
    /// when the patch does not apply (nothing is changed then).
    /// </summary>
    public JsonObject? Patch(string path, string name, JsonNode? patch, bool jsonPatch)
    {
        path = Storage(path);
        lock (_gate)
        {
            if (!_objects.TryGetValue(path, out var objects) || !objects.TryGetValue(name, out var current)) return null;
            var updated = (JsonObject)current.DeepClone();
            if (jsonPatch) ApplyJsonPatch(updated, patch as JsonArray ?? throw new ArgumentException("a JSON patch is an array of operations"));
            else if (MergePatch(updated, patch) is not JsonObject merged) throw new ArgumentException("a merge patch of an object must be an object");
            else updated = merged;
            if (KeyOf(updated) != name) throw new InvalidOperationException("metadata.name cannot be changed by a patch");
            _patches.Add((path, name));
            _patchTimes.Add(DateTimeOffset.UtcNow);

            // As in kube-apiserver, a patch that changes nothing writes nothing: same resourceVersion, no watch event.
            if (JsonNode.DeepEquals(updated, current)) return (JsonObject)current.DeepClone();
            var rv = ++_resourceVersion;
            Metadata(updated)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            objects[name] = updated;
            Record(new FakeWatchEvent(rv, path, "MODIFIED", (JsonObject)updated.DeepClone()));
            return (JsonObject)updated.DeepClone();
        }
    }

    /// <summary>Splits <c>api/v1/nodes/NAME</c> into the collection and the name; null for a collection path or a namespaced one.</summary>
    public static (string Collection, string Name)? SplitObjectPath(string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash <= 0) return null;
        var collection = path[..slash];
        return collection is Nodes ? (collection, Uri.UnescapeDataString(path[(slash + 1)..])) : null;
    }

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) result.Remove(key);
            else
            {
                var merged = MergePatch(result[key]?.DeepClone(), value);
                result[key] = merged;
            }
        }
        return result;
    }

    private static void ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var op in operations)
        {
            var name = op?["op"]?.GetValue<string>() ?? throw new ArgumentException("operation without op");
            var pointer = op["path"]?.GetValue<string>() ?? throw new ArgumentException("operation without path");
            var segments = pointer.Split('/').Skip(1).Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            if (segments.Count == 0) throw new ArgumentException("the whole object cannot be patched");
            JsonNode parent = target;
            foreach (var s in segments.Take(segments.Count - 1))
                parent = (parent as JsonObject)?[s] ?? throw new InvalidOperationException($"path {pointer} does not exist");
            var holder = parent as JsonObject ?? throw new InvalidOperationException($"path {pointer} is not inside an object");
            var last = segments[^1];
            switch (name)
            {
                case "add":
                case "replace" when holder.ContainsKey(last):
                    holder[last] = op["value"]?.DeepClone();
                    break;
                case "remove" when holder.ContainsKey(last):
                    holder.Remove(last);
                    break;
                case "test" when JsonNode.DeepEquals(holder[last], op["value"]):
                    break;
                default:
                    throw new InvalidOperationException($"{name} {pointer} does not apply");
            }
        }
    }

    /// <summary>Creates or replaces an object; returns the event type and the new resourceVersion.</summary>
    public (string Type, long ResourceVersion) Apply(string path, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        path = Storage(path);
        lock (_gate)
        {
            var key = KeyOf(obj);
            var stored = (JsonObject)obj.DeepClone();
            var rv = ++_resourceVersion;
            Metadata(stored)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            var type = _objects[path].ContainsKey(key) ? "MODIFIED" : "ADDED";
            _objects[path][key] = stored;
            Record(new FakeWatchEvent(rv, path, type, (JsonObject)stored.DeepClone()));
            return (type, rv);
        }
    }

    /// <summary>Deletes an object; false when absent.</summary>
    public bool Delete(string path, string? ns, string name)
    {
        path = Storage(path);
        lock (_gate)
        {
            var key = ns is null ? name : ns + "/" + name;
            if (!_objects[path].Remove(key, out var old)) return false;
            var rv = ++_resourceVersion;
            var snapshot = (JsonObject)old.DeepClone();
            Metadata(snapshot)["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Record(new FakeWatchEvent(rv, path, "DELETED", snapshot));
            return true;
        }
    }

    /// <summary>Adds an event to the history without changing stored objects (for raw or garbage objects in watches).</summary>
    public long InjectEvent(string path, string type, JsonObject obj)
    {
        path = Storage(path);
        lock (_gate)
        {
            var rv = ++_resourceVersion;
            Record(new FakeWatchEvent(rv, path, type, obj));
            return rv;
        }
    }

    /// <summary>
    /// A consistent list: the current resourceVersion and copies of every object at <paramref name="path"/>
    /// (cluster-wide, or one namespace's) that <paramref name="selector"/> (when given) matches.
    /// </summary>
    public (long ResourceVersion, IReadOnlyList<JsonObject> Items) List(string path, FakeFieldSelector? selector = null)
    {
        var (collection, ns) = FakeCollection.Split(path);
        var storage = Storage(collection);
        lock (_gate)
        {
            return (_resourceVersion, _objects[storage].Values
                .Where(o => Selected(o, ns, selector))
                .Select(o => (JsonObject)o.DeepClone()).ToList());
        }
    }

    private static bool Selected(JsonObject obj, string? ns, FakeFieldSelector? selector) =>
        (ns is null || (obj["metadata"]?["namespace"] is JsonValue v && v.TryGetValue<string>(out var n) && n == ns)) &&
        (selector is null || selector.Matches(obj));

    /// <summary>Events for <paramref name="path"/> after <paramref name="resourceVersion"/>, or Expired when history no longer reaches back that far.</summary>
    /// <remarks>
    /// A namespaced <paramref name="path"/> and a <paramref name="selector"/> narrow the events to the objects
    /// they select (judged on the object the event carries).
    /// </remarks>
    public FakeWatchRead ReadSince(string path, long resourceVersion, FakeFieldSelector? selector = null)
    {
        var (collection, ns) = FakeCollection.Split(path);
        path = Storage(collection);
        lock (_gate)
        {
            if (resourceVersion < _compactedThrough || resourceVersion < _compactedThroughByPath.GetValueOrDefault(path))
                return new FakeWatchRead(true, [], _resourceVersion, _changed.Task);
            var events = _history.Where(e => e.Path == path && e.ResourceVersion > resourceVersion && (e.Type == "ERROR" || Selected(e.Object, ns, selector))).ToList();
            return new FakeWatchRead(false, events, _resourceVersion, _changed.Task);
        }
    }

    /// <summary>Forgets all history up to now: a watch from any older resourceVersion gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedThrough = _resourceVersion;
            _history.Clear();
            Signal();
        }
    }

    /// <summary>
    /// Forgets the history of one collection up to now, as when only that resource's watch cache has
    /// moved on: a watch of <paramref name="path"/> from an older resourceVersion gets 410 Gone, the
    /// other collections' watches are unaffected.
    /// </summary>
    public void Compact(string path)
    {
        path = Storage(path);
        lock (_gate)
        {
            _compactedThroughByPath[path] = _resourceVersion;
            _history.RemoveAll(e => e.Path == path);
            Signal();
        }
    }

    /// <summary>Asks every open watch that allows bookmarks to send one at the current resourceVersion.</summary>
    public void RequestBookmark()
    {
        lock (_gate)
        {
            _bookmarks++;
            Signal();
        }
    }

    /// <summary>Wakes every open watch (used by the server when its own settings change).</summary>
    public void Wake()
    {
        lock (_gate) Signal();
    }

    private void Record(FakeWatchEvent e)
    {
        _history.Add(e);
        Signal();
    }

    // Caller holds _gate.
    private void Signal()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Every API version of a resource is a view of one stored collection (DestinationRules at v1 and v1beta1,
    // a custom resource at each of its versions); a namespaced path is stored with its cluster-wide collection.
    private string Storage(string path)
    {
        var collection = FakeCollection.Split(path).Collection;
        return _collections.TryGetValue(collection, out var known) ? known.Storage : collection;
    }

    private static JsonObject Metadata(JsonObject obj) =>
        obj["metadata"] as JsonObject ?? throw new ArgumentException("object has no metadata");

    private static string KeyOf(JsonObject obj)
    {
        var meta = Metadata(obj);
        var name = meta["name"]?.GetValue<string>() ?? throw new ArgumentException("object has no metadata.name");
        return meta["namespace"]?.GetValue<string>() is { } ns ? ns + "/" + name : name;
    }
}
