namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>
/// Logs drops at most once per reason per interval, with the count since the last line, so a flood
/// costs a handful of log lines instead of one per packet. The first drop of a reason logs at once.
/// </summary>
/// <remarks>Used from the receive loop only; not thread-safe.</remarks>
internal sealed class DropLog(ILogger logger, TimeProvider time, TimeSpan interval)
{
    private readonly long[] _pending = new long[MdnsDropReasons.Count];
    private readonly long[] _lastLogged = Enumerable.Repeat(long.MinValue, MdnsDropReasons.Count).ToArray();

    /// <summary>Lines written so far (for tests and status).</summary>
    public int Lines { get; private set; }

    public void Record(MdnsDropReason reason, IPAddress source)
    {
        var i = (int)reason;
        _pending[i]++;
        var now = time.GetTimestamp();
        var since = _lastLogged[i] == long.MinValue ? interval : time.GetElapsedTime(_lastLogged[i], now);
        if (since < interval) return;
        MdnsLog.Dropped(logger, _pending[i], MdnsDropReasons.Name(reason), since.TotalSeconds, source.ToString(), interval.TotalSeconds);
        Lines++;
        _pending[i] = 0;
        _lastLogged[i] = now;
    }
}
