using PluginMesh.Abstractions.Cache;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Plugins.Catalog.Kubernetes.Publishing;
using PluginMesh.Plugins.Catalog.Kubernetes.Resources;
using PluginMesh.Plugins.Catalog.Kubernetes.Watching;

namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>
/// Lists and watches Services, EndpointSlices (or Endpoints), Nodes, — where Istio is installed —
/// DestinationRules and the kinds other plugins asked for (Istio Gateways, TLS Secrets), and keeps the sink and the cache in step; serves the cache when the API cannot
/// be reached and keeps retrying.
/// </summary>
/// <remarks>
/// One background loop alternates two phases: a full list of every resource (when the resync
/// policy says so), then concurrent watches resumed from each list's resourceVersion until one of
/// them needs a re-list (410 Gone, API lost) or the policy asks for a periodic one. All changes go
/// through one lock, in order, so sink and cache see the same sequence. Thread-safe to read.
/// Creating it makes no connection; that waits for <see cref="StartAsync"/>.
/// </remarks>
/// <param name="options">Configuration.</param>
/// <param name="sink">The host's catalog sink.</param>
/// <param name="cache">The catalog cache, or null without a cache plugin (nothing is kept across restarts then).</param>
/// <param name="policy">The host's resync policy (<c>policies/resync.js</c> with the host's built-in default behind it).</param>
/// <param name="logger">Logger.</param>
/// <param name="time">Clock for delays and timestamps.</param>
/// <param name="meter">The plugin's meter.</param>
/// <param name="publisher">
/// The publisher of this agent on its own Node, told what the Node watch says of that Node and shown
/// in status; null when none runs (tests of the catalog alone).
/// </param>
/// <param name="resourceTypes">
/// The kinds other plugins asked for (registered <see cref="CatalogResourceType"/> instances, repeats counted
/// once): listed and watched like the core kinds and carried as <see cref="MeshResource"/> values; optional
/// like DestinationRules (a kind not served, or forbidden, never stops the catalog).
/// </param>
public sealed partial class KubernetesCatalogSource(KubernetesCatalogOptions options, ICatalogSink sink, ICatalogCache? cache, IResyncPolicy policy,
    ILogger<KubernetesCatalogSource> logger, TimeProvider time, System.Diagnostics.Metrics.Meter meter, NodeAnnotationPublisher? publisher = null,
    IEnumerable<CatalogResourceType>? resourceTypes = null)
    : ICatalogSource, IStatusContributor, IHostedService, IDisposable
{
    /// <summary>Name of this source in the sink and prefix of its cache collections.</summary>
    public const string SourceName = "kubernetes";

    private const int MaxWatchFailuresBeforeRelist = 5;

    private readonly KubernetesCatalogOptions _options = options;
    private readonly ICatalogSink _sink = sink;
    private readonly ICatalogCache? _cache = cache;
    private readonly IResyncPolicy _policy = policy;
    private readonly ILogger _logger = logger;
    private readonly TimeProvider _time = time;
    private readonly KubernetesCatalogMetrics _metrics = new(meter);
    private readonly CatalogSourceState _state = new(time);
    private readonly RateLimitedWarnings _warnings = new(time, TimeSpan.FromMinutes(1));
    private readonly CatalogProjection _projection = new(options.ProxyNameLabel, options.ProxyName);
    private readonly NodeAnnotationPublisher? _publisher = publisher;
    private readonly SemaphoreSlim _apply = new(1, 1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, string> _resourceVersions = new(StringComparer.Ordinal);
    private readonly Resources.ResourceTypeWatch[] _kinds = Resources.ResourceTypes.Distinct(resourceTypes).Select(t => new Resources.ResourceTypeWatch(t)).ToArray();

    // Watches that failed and have not reopened since: Connected is false while any is here.
    private readonly HashSet<string> _failingWatches = new(StringComparer.Ordinal);

    private Task? _loop;
    private string _apiLabel = InitialApiLabel(options);
    private bool _needReplace = true;
    private bool _fromCache;
    private bool _listedOnce;
    private ResourceKind _endpointsKind = ResourceKind.EndpointSlices;
    private ResourceKind? _endpointsKindLogged;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private int _services;
    private int _endpoints;
    private int _nodes;
    private int _agents;
    private long _events;
    private long _relists;
    private long _skipped;
    private long _cachedObjects;

    // Istio DestinationRules: where they stand, for status and logs.
    private readonly KindState _rulesKind = new() { State = options.Istio == IstioMode.Disabled ? "disabled" : "unknown" };
    private int _rules;
    private int _rulesServices;

    /// <inheritdoc />
    public string Name => SourceName;

    /// <inheritdoc />
    public bool Synced => _state.Synced;

    /// <inheritdoc />
    public DateTimeOffset? LastSync => _state.LastSync;

    /// <inheritdoc />
    public bool Connected => _state.Connected;

    /// <inheritdoc />
    public DateTimeOffset? ConnectedChangedAt => _state.ConnectedChangedAt;

    // Caller holds _gate. A full list succeeded: every watch starts afresh from it.
    private void ListSucceeded()
    {
        _failingWatches.Clear();
        _state.SetConnected(true);
    }

    // Caller holds _gate. A watch is open again (or, for an optional kind, no longer wanted): connected
    // once no other watch is failing.
    private void WatchHealthy(string name)
    {
        _failingWatches.Remove(name);
        if (_failingWatches.Count == 0) _state.SetConnected(true);
    }

    // Caller holds _gate. A watch broke, failed or found the API unreachable: not connected until it reopens.
    private void WatchFailing(string name)
    {
        _failingWatches.Add(name);
        _state.SetConnected(false);
    }

    /// <inheritdoc />
    public string Section => "catalog.kubernetes";

    /// <summary>The current status (typed form of <see cref="GetStatus"/>).</summary>
    public KubernetesCatalogStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new KubernetesCatalogStatus(
                    _apiLabel,
                    _state.Connected, _state.ConnectedChangedAt, _state.Synced, _fromCache, ResourcePaths.Name(_endpointsKind),
                    new Dictionary<string, string>(_resourceVersions, StringComparer.Ordinal),
                    _state.LastSync, _lastError, _lastErrorAt, _services, _endpoints, _nodes, _agents, _events, _relists, _skipped,
                    new DestinationRulesStatus(IstioSetting, _rulesKind.State, _rulesKind.ApiVersion, _rulesKind.Reason, _rules, _rulesServices),
                    _kinds.Select(k => k.Status()).ToList(),
                    _publisher?.Status);
            }
        }
    }

    /// <inheritdoc />
    public object GetStatus() => Status;

    private int _disposed;

    /// <summary>Starts the list/watch loop in the background; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_kinds.Length > 0) _metrics.ObserveResources(ResourceMeasurements);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop) await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Idempotent: the container disposes this object once per registration that hands it out
    /// (the source and the hosted service), so a second call must be a no-op, not a crash at exit.
    /// </remarks>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        _stopping.Dispose();
        _apply.Dispose();
    }

    private string IstioSetting => _options.Istio switch
    {
        IstioMode.Enabled => "true",
        IstioMode.Disabled => "false",
        _ => "auto",
    };

    // Until the client exists (kubeconfig read at start) say where the address will come from.
    private static string InitialApiLabel(KubernetesCatalogOptions options) =>
        options.InCluster ? "in-cluster" : options.Kubeconfig is { } path ? "kubeconfig " + path : options.ApiServer.ToString();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        KubeApiClient? api = null;
        var trigger = "startup";
        var failures = 0;
        DateTimeOffset? offlineSince = null;
        try
        {
            // Serve the last known catalog before the first list: with the API out of reach that
            // list only fails after the connect timeout, and until then DNS and the proxy would
            // have nothing. The first list that succeeds replaces it (_needReplace).
            await ServeCacheOnceAsync().ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var offline = offlineSince is { } since ? (_time.GetUtcNow() - since).TotalSeconds : 0;
                    var decision = Ask(trigger, failures, offline);
                    if (!decision.Resync)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(decision.DelayMs, 1000)), _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    if (decision.DelayMs > 0) await Task.Delay(Jitter(TimeSpan.FromMilliseconds(decision.DelayMs)), _time, cancellationToken).ConfigureAwait(false);
                    if (api is null)
                    {
                        api = KubeApiClient.Create(_options);
                        lock (_gate) _apiLabel = api.BaseUri.ToString();
                    }

                    var targets = await ListAllAsync(api, trigger, cancellationToken).ConfigureAwait(false);
                    failures = 0;
                    offlineSince = null;

                    var end = await WatchAllAsync(api, targets, cancellationToken).ConfigureAwait(false);
                    trigger = end.Trigger;
                    if (end.Offline) offlineSince = _time.GetUtcNow();
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or ApiRequestFailedException or JsonException or IOException
                                               or k8s.Exceptions.KubeConfigException or UnauthorizedAccessException)
                {
                    failures++;
                    offlineSince ??= _time.GetUtcNow();
                    SetError(ex.Message, failedWatch: null);
                    _metrics.Error("list");
                    KubernetesCatalogLog.Unavailable(_logger, Status.Api, ex.Message);
                    await ServeCacheOnceAsync().ConfigureAwait(false);
                    trigger = _listedOnce ? "reconnected" : "startup";
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A bug must not end the catalog for the life of the process; the next round re-lists.
                    failures++;
                    SetError(ex.Message, failedWatch: null);
                    KubernetesCatalogLog.Unexpected(_logger, ex);
                    trigger = _listedOnce ? "reconnected" : "startup";
                }
            }
        }
        finally
        {
            api?.Dispose();
        }
    }

    private ResyncDecision Ask(string trigger, int failures, double secondsOffline)
    {
        double sinceSync;
        long cached;
        lock (_gate)
        {
            sinceSync = _state.LastSync is { } last ? (_time.GetUtcNow() - last).TotalSeconds : -1;
            cached = _fromCache ? _cachedObjects : 0;
        }

        var decision = _policy.ShouldResync(new ResyncInput(SourceName, trigger, sinceSync, failures, secondsOffline, cached));
        return decision with { DelayMs = Math.Clamp(decision.DelayMs, 0, 600000) };
    }

    private static TimeSpan Jitter(TimeSpan delay) =>
        // ±20 % so that agents cut off together do not all come back in the same millisecond.
        delay * (0.8 + (0.4 * Random.Shared.NextDouble()));
}
