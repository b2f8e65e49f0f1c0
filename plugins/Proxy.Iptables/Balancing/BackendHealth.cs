namespace PluginMesh.Plugins.Proxy.Iptables.Balancing;

/// <summary>
/// Passive health and load of one endpoint: consecutive dial failures, ejection deadline, open
/// connections. Shared by every service port that targets the endpoint; lock-free.
/// </summary>
public sealed class BackendHealth
{
    private int _consecutiveFailures;
    private int _active;
    private long _ejectedUntilTicks;
    private long _dialFailures;

    /// <summary>Open connections through this agent.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Dial failures since start.</summary>
    public long DialFailures => Interlocked.Read(ref _dialFailures);

    /// <summary>Consecutive failures since the last success.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    /// <summary>True while ejected at <paramref name="nowTicks"/> (UTC ticks).</summary>
    public bool IsEjected(long nowTicks) => Interlocked.Read(ref _ejectedUntilTicks) > nowTicks;

    /// <summary>Counts a connection opened; pair with <see cref="Release"/>.</summary>
    public void Acquire() => Interlocked.Increment(ref _active);

    /// <summary>Counts a connection closed.</summary>
    public void Release() => Interlocked.Decrement(ref _active);

    /// <summary>Ends an ejection and the failure streak (a new path to the endpoint's node is known); true when it was ejected.</summary>
    public bool Readmit(long nowTicks)
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        return Interlocked.Exchange(ref _ejectedUntilTicks, 0) > nowTicks;
    }

    /// <summary>A dial worked: the failure streak ends.</summary>
    public void RecordSuccess() => Volatile.Write(ref _consecutiveFailures, 0);

    /// <summary>
    /// How long a streak ending in "no path yet" ejects at most: the tunnel knows no connection or
    /// address for the endpoint's node (it is still joining, its relay reservation is on its way).
    /// Such a failure is instant and says nothing about the endpoint; a path usually appears within
    /// seconds, and the full <c>ejectFor</c> would keep a node out of the mesh that long after it joined.
    /// </summary>
    public static readonly TimeSpan NoPathEjection = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A dial failed; ejects after <paramref name="ejectAfter"/> failures in a row, for
    /// <paramref name="ejectFor"/> — at most <see cref="NoPathEjection"/> when this failure was
    /// <paramref name="noPath"/> (the tunnel had no path to the node yet).
    /// </summary>
    /// <returns>True when this failure ejected the endpoint.</returns>
    public bool RecordFailure(long nowTicks, int ejectAfter, TimeSpan ejectFor, bool noPath = false)
    {
        if (noPath && ejectFor > NoPathEjection) ejectFor = NoPathEjection;
        Interlocked.Increment(ref _dialFailures);
        var n = Interlocked.Increment(ref _consecutiveFailures);
        if (n < ejectAfter || ejectFor <= TimeSpan.Zero) return false;
        // The streak restarts so that after the ejection one more failure does not re-eject at once.
        Volatile.Write(ref _consecutiveFailures, 0);
        Interlocked.Exchange(ref _ejectedUntilTicks, nowTicks + ejectFor.Ticks);
        return true;
    }
}
