using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.TestSupport;

/// <summary>
/// The <see cref="ICatalogSink"/> contract as the host fulfils it, reduced to recording calls and
/// keeping each source's current objects so tests can look at the resulting catalog.
/// </summary>
public sealed class RecordingCatalogSink : ICatalogSink
{
    private readonly Lock _gate = new();
    private readonly List<(string Method, string Source, IReadOnlyList<CatalogChange> Changes)> _calls = [];
    private readonly Dictionary<(CatalogObjectKind, string), object> _objects = [];

    public IReadOnlyList<(string Method, string Source, IReadOnlyList<CatalogChange> Changes)> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    public int ReplaceCount
    {
        get { lock (_gate) return _calls.Count(c => c.Method == "replace"); }
    }

    public IReadOnlyList<CatalogChange>? LastReplace
    {
        get { lock (_gate) return _calls.LastOrDefault(c => c.Method == "replace").Changes; }
    }

    public T? Get<T>(CatalogObjectKind kind, string key) where T : class
    {
        lock (_gate) return _objects.GetValueOrDefault((kind, key)) as T;
    }

    public int Count(CatalogObjectKind kind)
    {
        lock (_gate) return _objects.Keys.Count(k => k.Item1 == kind);
    }

    public ValueTask ApplyAsync(string source, IReadOnlyList<CatalogChange> changes, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _calls.Add(("apply", source, changes));
            foreach (var c in changes)
            {
                if (c.Value is null) _objects.Remove((c.Kind, c.Key));
                else _objects[(c.Kind, c.Key)] = c.Value;
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ReplaceAsync(string source, IReadOnlyList<CatalogChange> state, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _calls.Add(("replace", source, state));
            _objects.Clear();
            foreach (var c in state)
            {
                if (c.Value is not null) _objects[(c.Kind, c.Key)] = c.Value;
            }
        }

        return ValueTask.CompletedTask;
    }
}
