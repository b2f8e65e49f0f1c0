namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>A token bucket on a <see cref="TimeProvider"/>'s clock. Not thread-safe: the owner locks.</summary>
internal sealed class TokenBucket(double perSecond, int capacity, DateTimeOffset now)
{
    private double _tokens = capacity;
    private DateTimeOffset _last = now;

    public bool TryTake(DateTimeOffset now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(capacity, _tokens + (now - _last).TotalSeconds * perSecond);
            _last = now;
        }
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }

    /// <summary>True once the bucket has been full for a while: its sender can be forgotten.</summary>
    public bool IdleSince(DateTimeOffset now, TimeSpan idle) => now - _last >= idle && _tokens + (now - _last).TotalSeconds * perSecond >= capacity;
}
