namespace PluginMesh.Plugins.Dns.Mdns.Forwarding;

/// <summary>
/// Bounded cache of forwarded responses. Reads are lock-free; when full, expired entries go first and
/// then an arbitrary tenth, which keeps memory bounded without LRU bookkeeping on every hit.
/// </summary>
internal sealed class ResponseCache(int capacity, TimeProvider time)
{
    private readonly ConcurrentDictionary<CacheKey, CachedResponse> _entries = new();
    private readonly Lock _pruneLock = new();

    /// <summary>Entries held now.</summary>
    public int Count => _entries.Count;

    /// <summary>Finds a live entry and how many whole seconds it has aged.</summary>
    public bool TryGet(CacheKey key, out CachedResponse? entry, out uint elapsedSeconds)
    {
        elapsedSeconds = 0;
        if (!_entries.TryGetValue(key, out entry)) return false;
        var age = time.GetElapsedTime(entry.StoredAt);
        if (age >= TimeSpan.FromSeconds(entry.Lifetime))
        {
            _entries.TryRemove(new KeyValuePair<CacheKey, CachedResponse>(key, entry));
            entry = null;
            return false;
        }
        elapsedSeconds = (uint)age.TotalSeconds;
        return true;
    }

    /// <summary>Stores an entry with a non-zero lifetime.</summary>
    public void Add(CacheKey key, CachedResponse entry)
    {
        if (capacity == 0 || entry.Lifetime == 0) return;
        if (_entries.Count >= capacity) Prune();
        _entries[key] = entry;
    }

    private void Prune()
    {
        lock (_pruneLock)
        {
            if (_entries.Count < capacity) return;
            foreach (var (key, value) in _entries)
                if (time.GetElapsedTime(value.StoredAt) >= TimeSpan.FromSeconds(value.Lifetime)) _entries.TryRemove(key, out _);
            var excess = _entries.Count - (capacity - Math.Max(1, capacity / 10));
            foreach (var key in _entries.Keys)
            {
                if (excess-- <= 0) break;
                _entries.TryRemove(key, out _);
            }
        }
    }
}
