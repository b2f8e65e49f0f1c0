using System.Text.Json.Nodes;
using System.Threading.Channels;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Publishing;

/// <summary>
/// Publishes this agent through the cluster, as flannel publishes its public IP and WireGuard key:
/// a merge patch of the <c>pluginmesh.io/*</c> annotations (<see cref="AgentAnnotations"/>) on its
/// own Node and no other, whenever what <see cref="ILocalPeer"/> announces differs from what the
/// Node carries.
/// </summary>
/// <remarks>
/// What the Node carries is learnt from the catalog's own Node watch (<see cref="Observe"/>), from
/// the answer to each patch, and — only when neither has said anything yet — from one GET. So an
/// agent restarted with unchanged addresses patches nothing, and annotations someone removed are
/// put back. Changes are published once the addresses have been quiet for a moment (debounce),
/// and at most once per <see cref="KubernetesCatalogOptions.PublishEvery"/> (rate limit): changes
/// in between are merged into the next patch. A refusal (403, 405), an unreachable API or any other
/// failure is a state with its last error, retried after a jittered, doubling pause up to
/// <see cref="KubernetesCatalogOptions.PublishRetryMax"/>; the agent carries on meanwhile.
/// Thread-safe. Creating it sends nothing; that waits for <see cref="StartAsync"/>.
/// </remarks>
/// <param name="options">The plugin's configuration (API address and credentials, <c>publish*</c> keys).</param>
/// <param name="nodeName">The agent's node name: the only Node it writes.</param>
/// <param name="peer">This agent as a peer; null without a tunnel plugin, and then nothing is published.</param>
/// <param name="logger">Logger.</param>
/// <param name="time">Clock for pauses and timestamps.</param>
/// <param name="meter">The plugin's meter.</param>
public sealed class NodeAnnotationPublisher(KubernetesCatalogOptions options, string nodeName, ILocalPeer? peer, ILogger<NodeAnnotationPublisher> logger,
    TimeProvider time, System.Diagnostics.Metrics.Meter meter) : BackgroundService
{
    private static readonly TimeSpan QuietFor = TimeSpan.FromSeconds(2);

    private readonly KubernetesCatalogOptions _options = options;
    private readonly ILocalPeer? _peer = peer;
    private readonly ILogger _logger = logger;
    private readonly TimeProvider _time = time;
    private readonly PublishMetrics _metrics = new(meter);
    private readonly string? _offReason = OffReason(options, peer);
    private readonly string _path = "api/v1/nodes/" + Uri.EscapeDataString(nodeName);
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock _gate = new();

    private int _disposed;
    private int _apiSeen;

    // What the Node carries (its pluginmesh.io/* annotations), when known; its resourceVersion orders what we hear.
    private bool _observedKnown;
    private bool _nodeMissing;
    private Dictionary<string, string> _observed = new(StringComparer.Ordinal);
    private long _observedVersion = -1;

    private string _state = OffReason(options, peer) is null ? PublishStates.Pending : PublishStates.Off;
    private AgentAnnotationValues? _last;
    private DateTimeOffset? _lastPublished;
    private long _patches;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private string? _loggedState;

    /// <summary>The Node this agent writes.</summary>
    public string NodeName { get; } = string.IsNullOrEmpty(nodeName) ? throw new ArgumentException("the node name is empty", nameof(nodeName)) : nodeName;

    // Why nothing is published, or null when it is.
    private static string? OffReason(KubernetesCatalogOptions options, ILocalPeer? peer) =>
        !options.Publish ? "publish: false"
        : peer is null ? "no local peer to publish (no tunnel plugin provides ILocalPeer)"
        : null;

    /// <summary>The current state, for the plugin's status.</summary>
    public PublishStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new PublishStatus(_state, NodeName, _offReason, _last?.PeerId, _last?.AddressCount ?? 0, _last?.Relay is not null,
                    _lastPublished, _patches, _lastError, _lastErrorAt);
            }
        }
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_offReason is not null)
        {
            KubernetesCatalogLog.PublishOff(_logger, NodeName, _offReason);
            return Task.CompletedTask;
        }

        _peer!.AddressesChanged += Wake;
        _peer.OffersChanged += Wake;
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Idempotent (the container may dispose it once per registration).</remarks>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_peer is not null && _offReason is null)
        {
            _peer.AddressesChanged -= Wake;
            _peer.OffersChanged -= Wake;
        }

        base.Dispose();
    }

    /// <summary>
    /// What the API says this agent's Node is now (a list item or watch event object), or null when
    /// the Node does not exist (deleted, or missing from a full list). Called by the catalog's Node
    /// watch; an answer older than one already seen (by resourceVersion) is ignored.
    /// </summary>
    internal void Observe(JsonElement? node)
    {
        var version = node is { } n ? Version(KubeJson.ResourceVersion(n)) : -1;
        var annotations = node is { } o ? Ours(o) : null;
        // Also wakes a pause after "offline": hearing from the API at all means it is back.
        if (Record(annotations, version) | Interlocked.Exchange(ref _apiSeen, 1) == 0) Wake();
    }

    private void Wake() => _signal.Writer.TryWrite(true);

    // True when what the Node carries changed.
    private bool Record(Dictionary<string, string>? annotations, long version)
    {
        lock (_gate)
        {
            if (version >= 0 && version < _observedVersion) return false;
            if (version >= 0) _observedVersion = version;
            var missing = annotations is null;
            annotations ??= new Dictionary<string, string>(StringComparer.Ordinal);
            var changed = !_observedKnown || missing != _nodeMissing || !Same(annotations, _observed);
            _observedKnown = true;
            _nodeMissing = missing;
            _observed = annotations;
            return changed;
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        KubeApiClient? api = null;
        var backoff = _options.BackoffInitial;
        long? lastPatch = null;
        try
        {
            await FirstAddressAsync(cancellationToken).ConfigureAwait(false);
            await QuietAsync(cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                (string State, string Error)? failure;
                try
                {
                    var values = Current();
                    var (known, missing, carried) = Carried();
                    if (known && !missing && values.IsOn(carried))
                    {
                        MarkPublished(values, patched: false);
                        backoff = _options.BackoffInitial;
                        await WaitAsync(null, cancellationToken).ConfigureAwait(false);
                        await QuietAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    if (lastPatch is { } last && _time.GetElapsedTime(last) < _options.PublishEvery)
                    {
                        // Rate limit: the changes made meanwhile go out together, in one patch.
                        await Task.Delay(_options.PublishEvery - _time.GetElapsedTime(last), _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    api ??= KubeApiClient.Create(_options);
                    failure = known ? await PatchAsync(api, values, cancellationToken).ConfigureAwait(false)
                        : await ReadAsync(api, values, cancellationToken).ConfigureAwait(false);
                    if (failure is null)
                    {
                        if (known) lastPatch = _time.GetTimestamp();
                        backoff = _options.BackoffInitial;
                        continue;
                    }
                }
                catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException)
                {
                    // Credentials that cannot be read (kubeconfig, service account token).
                    _metrics.Attempt(PublishStates.Failed);
                    failure = (PublishStates.Failed, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A bug must not end publishing for the life of the process.
                    KubernetesCatalogLog.PublishUnexpected(_logger, ex);
                    failure = (PublishStates.Failed, ex.Message);
                }

                var (state, error) = failure.Value;
                Fail(state, error);
                // Unreachable, or no Node yet: hearing from the API (through the catalog's watch) ends the pause.
                await BackoffAsync(Jitter(backoff), state is PublishStates.Offline || Carried().Missing, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.PublishRetryMax.Ticks));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            api?.Dispose();
        }
    }

    /// <summary>
    /// At start the tunnel's listeners may not be up: wait until the peer announces a dialable
    /// address, or one interval, so the first patch is not an empty list followed by a full one.
    /// </summary>
    private async Task FirstAddressAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (Current().AddressCount == 0 && _time.GetElapsedTime(started) < _options.PublishEvery)
            await WaitAsync(_options.PublishEvery - _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Debounce: returns once nothing changed for a moment (2 s, or half the interval), at most one interval.</summary>
    private async Task QuietAsync(CancellationToken cancellationToken)
    {
        var quiet = TimeSpan.FromTicks(Math.Min(QuietFor.Ticks, _options.PublishEvery.Ticks / 2));
        var started = _time.GetTimestamp();
        while (_time.GetElapsedTime(started) < _options.PublishEvery
               && await WaitAsync(quiet, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Waits for a change (addresses, offers, the Node) or <paramref name="timeout"/>; true when a change came.</summary>
    private async Task<bool> WaitAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is { } zero && zero <= TimeSpan.Zero) return _signal.Reader.TryRead(out _);
        using var deadline = timeout is { } t ? new CancellationTokenSource(t, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await _signal.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The pause after a failure. Changes of addresses do not shorten it (a refusing API is not asked
    /// again sooner because addresses flap); hearing from the API does, when it was unreachable or
    /// the Node missing — it is back.
    /// </summary>
    private async Task BackoffAsync(TimeSpan delay, bool wakeWhenApiHeard, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        Interlocked.Exchange(ref _apiSeen, 0);
        while (_time.GetElapsedTime(started) < delay)
        {
            await WaitAsync(delay - _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            if (wakeWhenApiHeard && Interlocked.Exchange(ref _apiSeen, 0) == 1) return;
        }
    }

    private AgentAnnotationValues Current() =>
        AgentAnnotations.Encode(_peer!.PeerId, _peer.Addresses, _peer.Offers.Any(o => o.Service == Capabilities.Relay));

    private (bool Known, bool Missing, IReadOnlyDictionary<string, string> Annotations) Carried()
    {
        lock (_gate) return (_observedKnown, _nodeMissing, _observed);
    }

    /// <summary>Reads the Node once, when nothing has said what it carries; null on success.</summary>
    private async Task<(string State, string Error)?> ReadAsync(KubeApiClient api, AgentAnnotationValues values, CancellationToken cancellationToken)
    {
        int status;
        string body;
        try
        {
            (status, body) = await api.GetAsync(_path, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            _metrics.Attempt(PublishStates.Offline);
            return (PublishStates.Offline, ex.Message);
        }

        if (status is < 200 or > 299) return Refused("get", status, body);
        if (!TryRecordAnswer(body)) return Refused("get", status, "the answer is not a Node");
        if (values.IsOn(Carried().Annotations)) _metrics.Attempt(PublishStates.Unchanged);
        return null;
    }

    /// <summary>One merge patch of the three annotations (null removes the relay one); null on success.</summary>
    private async Task<(string State, string Error)?> PatchAsync(KubeApiClient api, AgentAnnotationValues values, CancellationToken cancellationToken)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in values.ToDictionary()) annotations[key] = value;
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } }.ToJsonString();
        int status;
        string body;
        try
        {
            (status, body) = await api.MergePatchAsync(_path, patch, _options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            _metrics.Attempt(PublishStates.Offline);
            return (PublishStates.Offline, ex.Message);
        }

        if (status is < 200 or > 299) return Refused("patch", status, body);
        _metrics.Attempt(PublishStates.Published);
        lock (_gate) _patches++;
        if (!TryRecordAnswer(body)) Record(values.ToDictionary().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!), -1);
        MarkPublished(values, patched: true);
        return null;
    }

    private (string State, string Error) Refused(string verb, int status, string body)
    {
        var state = status switch
        {
            403 => PublishStates.Forbidden,
            405 or 501 => PublishStates.Unsupported,
            _ => PublishStates.Failed,
        };
        if (status == 404) Record(null, -1);
        _metrics.Attempt(state);
        return (state, $"{verb} {_path}: HTTP {status.ToString(CultureInfo.InvariantCulture)} {StatusMessage(body)}");
    }

    private bool TryRecordAnswer(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || KubeJson.Key(doc.RootElement) != NodeName) return false;
            Record(Ours(doc.RootElement), Version(KubeJson.ResourceVersion(doc.RootElement)));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void MarkPublished(AgentAnnotationValues values, bool patched)
    {
        string? previous;
        lock (_gate)
        {
            previous = _state;
            _state = PublishStates.Published;
            _last = values;
            _lastPublished = _time.GetUtcNow();
        }

        if (_loggedState != PublishStates.Published)
        {
            _loggedState = PublishStates.Published;
            KubernetesCatalogLog.Published(_logger, NodeName, values.PeerId, values.AddressCount, values.Relay is not null);
        }
        else if (patched && previous == PublishStates.Published)
        {
            KubernetesCatalogLog.PublishUpdated(_logger, NodeName, values.AddressCount, values.Relay is not null);
        }
    }

    private void Fail(string state, string error)
    {
        lock (_gate)
        {
            _state = state;
            _lastError = error;
            _lastErrorAt = _time.GetUtcNow();
        }

        // Once per state change: a refusal repeated at every retry is not news.
        if (_loggedState == state) return;
        _loggedState = state;
        var hint = state switch
        {
            PublishStates.Forbidden => "the agent's role needs patch on nodes (deploy/README.md), or set publish: false",
            PublishStates.Unsupported => "this API (KubeEdge's metaServer?) takes no PATCH; set publish: false to stop trying",
            PublishStates.Offline => "the API is unreachable",
            _ => "see lastError in status",
        };
        KubernetesCatalogLog.PublishRefused(_logger, NodeName, state, error, hint, _options.PublishRetryMax.TotalSeconds);
    }

    // The pluginmesh.io/* annotations of a Node object (string values only).
    private static Dictionary<string, string> Ours(JsonElement node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in annotations.EnumerateObject())
            {
                if (p.Name.StartsWith(AgentAnnotations.Prefix, StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.String)
                    result[p.Name] = p.Value.GetString()!;
            }
        }

        return result;
    }

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    // resourceVersions are opaque, but every API server in use issues etcd revisions; one that does
    // not parse is taken as news (-1: no ordering).
    private static long Version(string? rv) => long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;

    private static string StatusMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                return m.GetString()!;
        }
        catch (JsonException)
        {
        }

        return body.Length <= 200 ? body : body[..200] + "…";
    }

    private static TimeSpan Jitter(TimeSpan delay) =>
        // ±20 %, so agents refused together (a role fixed, an API back) do not all retry in the same millisecond.
        delay * (0.8 + (0.4 * Random.Shared.NextDouble()));
}
