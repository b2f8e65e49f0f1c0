namespace PluginMesh.Plugins.Directory.P2p.Store;

/// <summary>
/// Logs rejections at most once a minute per reason: a malicious or broken peer can offer
/// thousands of bad records, and each is already counted in the metric. Thread-safe.
/// </summary>
internal sealed class RejectionLog(ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private readonly Dictionary<RejectReason, (DateTimeOffset Last, long Suppressed)> _state = [];

    public void Rejected(RejectReason reason, string source, string detail)
    {
        var now = time.GetUtcNow();
        long suppressed;
        lock (_lock)
        {
            if (_state.TryGetValue(reason, out var s) && now - s.Last < Interval)
            {
                _state[reason] = (s.Last, s.Suppressed + 1);
                return;
            }
            suppressed = _state.TryGetValue(reason, out s) ? s.Suppressed : 0;
            _state[reason] = (now, 0);
        }
        DirectoryLog.Rejected(logger, DirectoryMetrics.ReasonText(reason), source, detail, suppressed);
    }
}
