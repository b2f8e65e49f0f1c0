namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>
/// Addresses announced on behalf of other components (a relay client's circuit addresses), by
/// source. Lives as long as the node service, so announcements made before the host starts (or
/// across a restart) are not lost. Thread-safe.
/// </summary>
public sealed class AnnouncedAddresses
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlyList<Multiaddr>> _bySource = new(StringComparer.Ordinal);

    /// <summary>Raised after a source's list changed (not when the same list is set again).</summary>
    public event Action? Changed;

    /// <summary>Every announced address, sources in name order, duplicates removed.</summary>
    public IReadOnlyList<Multiaddr> All
    {
        get
        {
            lock (_lock) return [.. _bySource.OrderBy(p => p.Key, StringComparer.Ordinal).SelectMany(p => p.Value).Distinct()];
        }
    }

    /// <summary>Replaces <paramref name="source"/>'s addresses; an empty list removes the source.</summary>
    public void Set(string source, IReadOnlyList<Multiaddr> addresses)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        lock (_lock)
        {
            if (_bySource.TryGetValue(source, out var current) && current.SequenceEqual(addresses)) return;
            if (addresses.Count == 0) _bySource.Remove(source);
            else _bySource[source] = [.. addresses];
        }
        Changed?.Invoke();
    }
}
