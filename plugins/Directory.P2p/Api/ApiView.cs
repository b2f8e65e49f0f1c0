using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Plugins.Directory.P2p.Store;

namespace PluginMesh.Plugins.Directory.P2p.Api;

/// <summary>
/// What the Kubernetes API says, as far as the directory cares: whether it is reachable (the
/// <c>kubernetes</c> catalog source's <see cref="ICatalogSource.Connected"/>) and which node names it
/// binds to which PeerId (nodes whose agent published itself: <see cref="MeshNode.Agent"/>). Feeds
/// the store's bindings — <see cref="RecordSource.Api"/> while connected, <see cref="RecordSource.CachedApi"/>
/// otherwise — and tells the tolerance window whether the API could say otherwise.
/// </summary>
/// <remarks>Thread-safe. <see cref="RefreshAsync"/> is called by one loop at a time.</remarks>
internal sealed class ApiView : IDisposable
{
    /// <summary>The catalog source whose contact with its authority is "the API is reachable".</summary>
    public const string KubernetesSource = "kubernetes";

    private readonly RecordStore _store;
    private readonly IServiceCatalog? _catalog;
    private readonly Func<IEnumerable<ICatalogSource>> _sources;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startedAt;
    /// <summary>While connected and nothing changed, bindings are re-confirmed this often.</summary>
    private static readonly TimeSpan Reconfirm = TimeSpan.FromSeconds(30);

    private int _dirty = 1;
    private bool? _lastConnected;
    private DateTimeOffset _lastApplied = DateTimeOffset.MinValue;

    public ApiView(RecordStore store, IServiceCatalog? catalog, Func<IEnumerable<ICatalogSource>> sources, TimeProvider time)
    {
        _store = store;
        _catalog = catalog;
        _sources = sources;
        _time = time;
        _startedAt = time.GetUtcNow();
        if (catalog is not null) catalog.Changed += OnCatalogChanged;
    }

    /// <summary>The API's reachability now.</summary>
    public ApiState State
    {
        get
        {
            var source = _sources().FirstOrDefault(s => s.Name == KubernetesSource);
            if (source is null) return new ApiState(HasApi: false, Connected: false, OfflineSince: _startedAt);
            var connected = source.Connected;
            if (connected) return new ApiState(true, true, null);
            // Unreachable since the last change of contact, or since we started when it never had any.
            var since = source.ConnectedChangedAt is { } at && at > _startedAt ? at : _startedAt;
            return new ApiState(true, false, since);
        }
    }

    /// <summary>
    /// Recomputes the bindings when the catalog changed, the API's reachability changed, or
    /// <paramref name="force"/>. Connected: exactly the catalog's nodes with an agent, as Api (and
    /// cached). Unreachable: the last view (what the store holds, which started from the cache) with
    /// the catalog's agents over it, as CachedApi.
    /// </summary>
    public async ValueTask RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        var state = State;
        var flipped = _lastConnected != state.Connected;
        var dirty = Interlocked.Exchange(ref _dirty, 0) == 1;
        var now = _time.GetUtcNow();
        if (!force && !flipped && !dirty && (!state.Connected || now - _lastApplied < Reconfirm)) return;
        _lastConnected = state.Connected;
        _lastApplied = now;
        var nodes = _catalog?.Current.Nodes ?? CatalogSnapshot.Empty.Nodes;
        var agents = nodes.Values.Where(n => n.Agent is not null).ToList();
        if (state.Connected)
        {
            var fresh = agents.Select(n => new NodeBinding(n.Name, n.Agent!.PeerId, n.Agent.Addresses, n.Agent.OffersRelay, RecordSource.Api, now)).ToList();
            await _store.ApplyBindingsAsync(fresh, persist: true, cancellationToken).ConfigureAwait(false);
            return;
        }
        var last = _store.Bindings.ToDictionary(b => b.NodeName, b => b with { Source = RecordSource.CachedApi }, StringComparer.Ordinal);
        foreach (var n in agents)
        {
            var held = last.GetValueOrDefault(n.Name);
            var confirmed = held is not null && held.PeerId == n.Agent!.PeerId ? held.ConfirmedAt : (state.OfflineSince ?? now);
            last[n.Name] = new NodeBinding(n.Name, n.Agent!.PeerId, n.Agent.Addresses, n.Agent.OffersRelay, RecordSource.CachedApi, confirmed);
        }
        await _store.ApplyBindingsAsync(last.Values, persist: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Labels of a node as the catalog has them, or null.</summary>
    public IReadOnlyDictionary<string, string>? NodeLabels(string nodeName) =>
        _catalog?.Current.Nodes.GetValueOrDefault(nodeName)?.Labels;

    public void Dispose()
    {
        if (_catalog is not null) _catalog.Changed -= OnCatalogChanged;
    }

    private void OnCatalogChanged(CatalogSnapshot snapshot) => Volatile.Write(ref _dirty, 1);
}

/// <summary>The Kubernetes API's reachability.</summary>
/// <param name="HasApi">A <c>kubernetes</c> catalog source exists (false: an island on a catalog file).</param>
/// <param name="Connected">Its watches are open now.</param>
/// <param name="OfflineSince">Since when it has been unreachable (our start when it never was reachable); null while connected.</param>
internal sealed record ApiState(bool HasApi, bool Connected, DateTimeOffset? OfflineSince);
