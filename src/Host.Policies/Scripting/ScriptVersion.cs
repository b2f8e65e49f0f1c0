using System.Collections.Concurrent;

namespace PluginMesh.Host.Policies.Scripting;

/// <summary>One accepted version of a script: its hash, and a small pool of sandboxes running it.</summary>
/// <remarks>
/// Jint engines are not thread-safe. A pool rather than one engine behind a lock, because a lock
/// would make every caller wait behind a script that runs into its time limit (100 ms by default)
/// and would cap throughput at one core; a pool lets callers proceed in parallel and costs one
/// engine per concurrent caller, created on demand, at most <c>maxIdle</c> kept.
/// Script globals are per sandbox, so scripts must not rely on state kept between calls. A sandbox is
/// also replaced after <see cref="MaxCallsPerSandbox"/> calls: the per-call memory limit cannot see a
/// script that keeps a little more in its globals on every call, and recycling bounds that growth.
/// </remarks>
internal sealed class ScriptVersion : IDisposable
{
    /// <summary>Calls after which a sandbox is discarded rather than reused.</summary>
    public const int MaxCallsPerSandbox = 10_000;

    private readonly ConcurrentBag<SandboxInstance> _idle = [];
    private readonly Func<SandboxInstance> _factory;
    private readonly int _maxIdle;
    private int _idleCount;
    private volatile bool _retired;
    private int _firstFailureLogged;
    private long _suppressedFailures;
    private long _nextSummaryTimestamp;

    public ScriptVersion(string hash, DateTimeOffset loadedAt, Func<SandboxInstance> factory, int maxIdle)
    {
        Hash = hash;
        LoadedAt = loadedAt;
        _factory = factory;
        _maxIdle = maxIdle;
    }

    /// <summary>SHA-256 of the source, lower-case hex.</summary>
    public string Hash { get; }

    /// <summary>What status and logs show: the first 12 hex digits.</summary>
    public string ShortHash => Hash[..12];

    public DateTimeOffset LoadedAt { get; }

    /// <summary>An idle sandbox, or a new one (may throw <see cref="PolicyLoadException"/> if the top level now fails).</summary>
    public SandboxInstance Rent()
    {
        if (_idle.TryTake(out var sandbox))
        {
            Interlocked.Decrement(ref _idleCount);
            return sandbox;
        }

        return _factory();
    }

    /// <summary>Gives a healthy sandbox back; it is disposed when the version is retired or enough are idle.</summary>
    public void Return(SandboxInstance sandbox)
    {
        if (_retired || ++sandbox.Calls >= MaxCallsPerSandbox)
        {
            sandbox.Dispose();
            return;
        }

        if (Interlocked.Increment(ref _idleCount) > _maxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            sandbox.Dispose();
            return;
        }

        _idle.Add(sandbox);
        if (_retired)
        {
            // Retired while we were adding: nobody else will drain this one.
            DrainIdle();
        }
    }

    /// <summary>True exactly once per version: the first failure is logged, the rest counted.</summary>
    public bool ClaimFirstFailureLog(long nowTimestamp, long summaryEveryTicks)
    {
        if (Interlocked.Exchange(ref _firstFailureLogged, 1) != 0)
        {
            return false;
        }

        Interlocked.Exchange(ref _nextSummaryTimestamp, nowTimestamp + summaryEveryTicks);
        return true;
    }

    /// <summary>Counts a failure that was not logged; returns how many are pending a summary when one is due.</summary>
    public long CountSuppressedFailure(long nowTimestamp, long summaryEveryTicks)
    {
        Interlocked.Increment(ref _suppressedFailures);
        var due = Interlocked.Read(ref _nextSummaryTimestamp);
        if (nowTimestamp < due || Interlocked.CompareExchange(ref _nextSummaryTimestamp, nowTimestamp + summaryEveryTicks, due) != due)
        {
            return 0;
        }

        return Interlocked.Exchange(ref _suppressedFailures, 0);
    }

    /// <summary>Failures not yet reported in a summary.</summary>
    public long TakeSuppressedFailures() => Interlocked.Exchange(ref _suppressedFailures, 0);

    /// <summary>Retires the version: idle sandboxes are disposed now, rented ones when given back.</summary>
    public void Dispose()
    {
        _retired = true;
        DrainIdle();
    }

    private void DrainIdle()
    {
        while (_idle.TryTake(out var sandbox))
        {
            Interlocked.Decrement(ref _idleCount);
            sandbox.Dispose();
        }
    }
}
