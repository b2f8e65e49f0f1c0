using System.Collections.Concurrent;
using System.Text.Json;
using PluginMesh.Abstractions.Cache;

namespace PluginMesh.TestSupport;

/// <summary>
/// An in-memory <see cref="IStateCache"/> that stores every value as System.Text.Json text, as the
/// contract says the real cache does, so values that do not round-trip through JSON fail here too.
/// Used instead of cache.litedb because plugins (and their tests) never reference another plugin.
/// </summary>
public sealed class JsonStateCache : IStateCache
{
    private readonly ConcurrentDictionary<string, object> _collections = new();
    private long _sequence;

    public long ChangeSequence => Interlocked.Read(ref _sequence);

    public CacheInfo Info => new("memory", 0, ChangeSequence, new Dictionary<string, long>(), null);

    public ICacheCollection<T> Collection<T>(string name) where T : class
    {
        // The same name rule as the real cache (IStateCache.Collection), so a bad name fails here too.
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[A-Za-z][A-Za-z0-9_]{0,59}$"))
            throw new ArgumentException($"cache collection name '{name}' breaks the IStateCache naming rule", nameof(name));
        return (ICacheCollection<T>)_collections.GetOrAdd(name, n => new JsonCollection<T>(n, this));
    }

    private void Bump() => Interlocked.Increment(ref _sequence);

    private sealed class JsonCollection<T>(string name, JsonStateCache owner) : ICacheCollection<T> where T : class
    {
        private readonly Lock _gate = new();
        private readonly SortedDictionary<string, string> _docs = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public long Count
        {
            get { lock (_gate) return _docs.Count; }
        }

        public T? Get(string key)
        {
            lock (_gate) return _docs.TryGetValue(key, out var json) ? JsonSerializer.Deserialize<T>(json) : null;
        }

        public IReadOnlyList<KeyValuePair<string, T>> GetAll()
        {
            lock (_gate) return _docs.Select(kv => new KeyValuePair<string, T>(kv.Key, JsonSerializer.Deserialize<T>(kv.Value)!)).ToList();
        }

        public ValueTask UpsertAsync(string key, T value, CancellationToken cancellationToken = default)
        {
            lock (_gate) _docs[key] = JsonSerializer.Serialize(value);
            owner.Bump();
            return ValueTask.CompletedTask;
        }

        public ValueTask UpsertManyAsync(IEnumerable<KeyValuePair<string, T>> entries, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                foreach (var (k, v) in entries) _docs[k] = JsonSerializer.Serialize(v);
            }

            owner.Bump();
            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
        {
            bool removed;
            lock (_gate) removed = _docs.Remove(key);
            owner.Bump();
            return ValueTask.FromResult(removed);
        }

        public ValueTask ReplaceAllAsync(IEnumerable<KeyValuePair<string, T>> entries, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                _docs.Clear();
                foreach (var (k, v) in entries) _docs[k] = JsonSerializer.Serialize(v);
            }

            owner.Bump();
            return ValueTask.CompletedTask;
        }
    }
}
