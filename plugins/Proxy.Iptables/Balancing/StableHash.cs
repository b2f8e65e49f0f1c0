namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>
/// FNV-1a 64 with a splitmix finaliser: stable across processes and runs (string.GetHashCode is
/// randomised per process, which would move every client after a restart).
/// </summary>
public static class StableHash
{
    /// <summary>Hashes <paramref name="data"/>.</summary>
    public static ulong Of(ReadOnlySpan<byte> data)
    {
        var h = 14695981039346656037UL;
        foreach (var b in data)
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        h ^= h >> 30;
        h *= 0xbf58476d1ce4e5b9UL;
        h ^= h >> 27;
        h *= 0x94d049bb133111ebUL;
        h ^= h >> 31;
        return h;
    }
}
