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
/// <remarks>
/// Thread-safe (lock-free counters). A session budget may have a <see cref="Host"/> budget shared by every
/// session of the node: what a session commits or buffers counts there too, window growth needs room in
/// both, and a new inbound stream is admitted only while the host budget can cover its initial window
/// (<see cref="TryAdmitStream"/>): so the node's receive memory stays within the host cap, whatever the
/// number of connections and streams, and a flood is refused at the door instead of being buffered.
/// </remarks>
public sealed class YamuxReceiveBudget(long cap, YamuxReceiveBudget? host = null)
{
    private long _committed;
    private long _buffered;
    private long _peakBuffered;
    private long _capped;

    /// <summary>The session's limit on committed receive bytes.</summary>
    public long Cap { get; } = cap;

    /// <summary>The node-wide budget this one also counts in, or null.</summary>
    public YamuxReceiveBudget? Host { get; } = host;

    /// <summary>Inbound streams refused because the host budget could not cover their initial window.</summary>
    public long RefusedStreams => Interlocked.Read(ref _refused);

    private long _refused;

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
        Host?.AddBuffered(delta);
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
    internal void AddCommitted(long delta)
    {
        Host?.AddCommitted(delta);
        Interlocked.Add(ref _committed, delta);
    }

    /// <summary>
    /// Commits a new inbound stream's initial window when the host budget has room for it (always, without a
    /// host budget); false means the stream must be refused. The session's own cap does not apply: it bounds growth.
    /// </summary>
    internal bool TryAdmitStream()
    {
        var floor = (long)YamuxOptions.InitialWindow;
        if (Host is not null && Host.Take(floor, floor) == 0)
        {
            Interlocked.Increment(ref _refused);
            Host.CountRefused();
            return false;
        }
        Interlocked.Add(ref _committed, floor);
        return true;
    }

    /// <summary>Grows a stream's commitment from <paramref name="from"/> towards <paramref name="to"/> within the caps (session and host); returns the new commitment (≥ from).</summary>
    internal long GrowUpTo(long from, long to)
    {
        var want = to - from;
        var fromHost = Host is null ? want : Host.Take(want, 1);
        var grant = fromHost == 0 ? 0 : Take(fromHost, 1);
        if (Host is not null && grant < fromHost) Host.AddCommitted(grant - fromHost);
        if (grant < want) Interlocked.Increment(ref _capped);
        return from + grant;
    }

    private void CountRefused() => Interlocked.Increment(ref _refused);

    /// <summary>Commits up to <paramref name="want"/> within <see cref="Cap"/>, at least <paramref name="min"/> or nothing; returns what was committed.</summary>
    private long Take(long want, long min)
    {
        while (true)
        {
            var committed = Interlocked.Read(ref _committed);
            var grant = Math.Min(want, Cap - committed);
            if (grant < min) return 0;
            if (Interlocked.CompareExchange(ref _committed, committed + grant, committed) == committed) return grant;
        }
    }
}
