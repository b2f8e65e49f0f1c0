namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>
/// The receive memory of one session: what its streams hold unread (<see cref="Buffered"/>) and what
/// they have promised the peer it may send (<see cref="Committed"/>: granted window plus unread bytes,
/// at least the 256 KiB initial window per open stream). Window growth beyond a stream's initial
/// window is granted only while <see cref="Committed"/> stays within <see cref="Cap"/>, so unread
/// bytes never exceed the cap unless the open streams' initial windows alone do (the protocol's
/// floor: a new stream may always send 256 KiB). A stream's own initial window is never withheld,
/// so a stream whose reader reads always makes progress, whatever the other streams hold.
/// </summary>
/// <remarks>Thread-safe (lock-free counters).</remarks>
public sealed class YamuxReceiveBudget(long cap)
{
    private long _committed;
    private long _buffered;
    private long _peakBuffered;
    private long _capped;

    /// <summary>The session's limit on committed receive bytes.</summary>
    public long Cap { get; } = cap;

    /// <summary>Bytes received on the session's streams and not yet read by the application.</summary>
    public long Buffered => Interlocked.Read(ref _buffered);

    /// <summary>The largest <see cref="Buffered"/> seen over the session's life.</summary>
    public long PeakBuffered => Interlocked.Read(ref _peakBuffered);

    /// <summary>Unread bytes plus window granted and not yet used, over all streams (each counted at least at the initial window while open).</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>Window updates cut short because the session was at its cap.</summary>
    public long CappedUpdates => Interlocked.Read(ref _capped);

    internal void AddBuffered(long delta)
    {
        var now = Interlocked.Add(ref _buffered, delta);
        if (delta <= 0) return;
        var peak = Interlocked.Read(ref _peakBuffered);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakBuffered, now, peak);
            if (seen == peak) break;
            peak = seen;
        }
    }

    /// <summary>Adds (or, negative, releases) committed bytes without asking: the floor and releases.</summary>
    internal void AddCommitted(long delta) => Interlocked.Add(ref _committed, delta);

    /// <summary>Grows a stream's commitment from <paramref name="from"/> towards <paramref name="to"/> within the cap; returns the new commitment (≥ from).</summary>
    internal long GrowUpTo(long from, long to)
    {
        while (true)
        {
            var committed = Interlocked.Read(ref _committed);
            var grant = Math.Min(to - from, Cap - committed);
            if (grant <= 0)
            {
                Interlocked.Increment(ref _capped);
                return from;
            }
            if (Interlocked.CompareExchange(ref _committed, committed + grant, committed) != committed) continue;
            if (grant < to - from) Interlocked.Increment(ref _capped);
            return from + grant;
        }
    }
}
