namespace PluginMesh.Plugins.Catalog.Kubernetes;

/// <summary>
/// Lets one warning per reason through per interval and counts the rest, so a cluster full of
/// objects we do not understand (hundreds of Istio resources, say) cannot flood the log.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class RateLimitedWarnings(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Next, int Suppressed)> _reasons = new(StringComparer.Ordinal);

    /// <summary>True when a warning for <paramref name="reason"/> may be logged now; <paramref name="suppressed"/> counts those held back since the last one.</summary>
    public bool ShouldLog(string reason, out int suppressed)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_reasons.TryGetValue(reason, out var entry) && now < entry.Next)
            {
                _reasons[reason] = (entry.Next, entry.Suppressed + 1);
                suppressed = 0;
                return false;
            }

            suppressed = entry.Suppressed;
            _reasons[reason] = (now + interval, 0);
            return true;
        }
    }
}
