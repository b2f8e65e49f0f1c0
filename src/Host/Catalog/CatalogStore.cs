using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Host.Catalog;

/// <summary>
/// The node's merged service catalog: sources write through <see cref="ICatalogSink"/>, readers get
/// immutable snapshots. Each source's objects are kept apart so a full re-list from one source
/// never drops another's. When two sources define one object, the most recent write wins.
/// </summary>
internal sealed partial class CatalogStore(ILogger<CatalogStore> logger) : IServiceCatalog, ICatalogSink
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<(string Source, CatalogObjectKind Kind, string Key), (long Order, object Value)> _objects =
        ImmutableDictionary<(string, CatalogObjectKind, string), (long, object)>.Empty;
    private long _writes;
    private CatalogSnapshot _current = CatalogSnapshot.Empty;

    public CatalogSnapshot Current => Volatile.Read(ref _current);

    public event Action<CatalogSnapshot>? Changed;

    public ValueTask ApplyAsync(string source, IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken) =>
        Write(source, changes, replace: false, cancellationToken);

    public ValueTask ReplaceAsync(string source, IReadOnlyList<CatalogChange> state, CancellationToken cancellationToken) =>
        Write(source, state, replace: true, cancellationToken);

    private ValueTask Write(string source, IReadOnlyList<CatalogChange> changes, bool replace, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Publish(() =>
        {
            var b = _objects.ToBuilder();
            if (replace) b.RemoveRange(b.Keys.Where(k => k.Source == source).ToList());
            foreach (var c in changes) Put(b, source, c);
            _objects = b.ToImmutable();
        });
        return ValueTask.CompletedTask;
    }

    private void Put(ImmutableDictionary<(string, CatalogObjectKind, string), (long, object)>.Builder b, string source, CatalogChange c)
    {
        var key = (source, c.Kind, c.Key);
        if (c.Value is null) { b.Remove(key); return; }
        var ok = c.Kind switch
        {
            CatalogObjectKind.Service => c.Value is MeshService,
            CatalogObjectKind.Endpoints => c.Value is ServiceEndpoints,
            CatalogObjectKind.Node => c.Value is MeshNode,
            CatalogObjectKind.Resource => c.Value is MeshResource,
            _ => false,
        };
        if (!ok) throw new ArgumentException($"catalog change {c.Kind} {c.Key} from {source} carries a {c.Value.GetType().Name}", nameof(c));
        b[key] = (++_writes, c.Value);
    }

    private void Publish(Action mutate)
    {
        CatalogSnapshot snapshot;
        lock (_gate)
        {
            mutate();
            var services = new Dictionary<ServiceKey, MeshService>();
            var endpoints = new Dictionary<ServiceKey, ServiceEndpoints>();
            var nodes = new Dictionary<string, MeshNode>(StringComparer.Ordinal);
            var resources = new Dictionary<ResourceKey, MeshResource>();
            foreach (var (_, (_, value)) in _objects.OrderBy(kv => kv.Value.Order))
            {
                switch (value)
                {
                    case MeshService s: services[s.Key] = s; break;
                    case ServiceEndpoints e: endpoints[e.Service] = e; break;
                    case MeshNode n: nodes[n.Name] = n; break;
                    case MeshResource r: resources[r.Key] = r; break;
                }
            }
            snapshot = new CatalogSnapshot(_current.Version + 1, services, endpoints, nodes) { Resources = resources };
            Volatile.Write(ref _current, snapshot);
        }
        foreach (var handler in Changed?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<CatalogSnapshot>)handler)(snapshot);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(ex, handler.Method.DeclaringType?.FullName ?? "?");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A catalog change handler in {Type} threw; other handlers still ran")]
    private partial void LogHandlerFailed(Exception ex, string type);
}
