namespace PluginMesh.Host.Policies;

/// <summary>Where the policy scripts live and the sandbox limits every call runs under.</summary>
/// <remarks>
/// The limits bound one call (or one load of a script); any limit hit makes that call fall back to
/// the built-in default. They are generous for policy code (a ranking of 20 relays runs a few
/// hundred statements) and small enough that a runaway script costs one call, not the agent.
/// </remarks>
public sealed record PolicyEngineOptions
{
    /// <summary>Folder holding the policy scripts (<c>relay-selection.js</c>, <c>failover.js</c>, …, one per hook); may be a mounted ConfigMap.</summary>
    public required string Directory { get; init; }

    /// <summary>Wall-clock budget of one call.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Statements one call may execute.</summary>
    public int MaxStatements { get; init; } = 100_000;

    /// <summary>Bytes one call may allocate.</summary>
    public long MemoryLimitBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Longest array a script may create (the inputs' lists count too: endpoints of one service, relays).</summary>
    public uint MaxArrayLength { get; init; } = 1_000_000;

    /// <summary>Call depth; without it deep recursion overflows the CLR stack and kills the process.</summary>
    public int RecursionLimit { get; init; } = 64;

    /// <summary>How often file contents are re-hashed as a backstop to file-system events (ConfigMap symlink swaps may raise none).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Also react to file-system events at once (the poll still runs).</summary>
    public bool WatchFileSystem { get; init; } = true;

    /// <summary>Idle sandboxes kept per script; 0 means twice the processor count.</summary>
    public int MaxIdleSandboxes { get; init; }

    /// <summary>Every problem with these options, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Directory))
        {
            problems.Add("policies: Directory must be set");
        }

        if (TimeLimit <= TimeSpan.Zero)
        {
            problems.Add($"policies: TimeLimit must be positive (got {TimeLimit})");
        }

        if (MaxStatements <= 0)
        {
            problems.Add($"policies: MaxStatements must be positive (got {MaxStatements})");
        }

        if (MemoryLimitBytes <= 0)
        {
            problems.Add($"policies: MemoryLimitBytes must be positive (got {MemoryLimitBytes})");
        }

        if (MaxArrayLength == 0)
        {
            problems.Add("policies: MaxArrayLength must be positive (got 0)");
        }

        if (RecursionLimit <= 0)
        {
            problems.Add($"policies: RecursionLimit must be positive (got {RecursionLimit})");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            problems.Add($"policies: PollInterval must be positive (got {PollInterval})");
        }

        if (MaxIdleSandboxes < 0)
        {
            problems.Add($"policies: MaxIdleSandboxes must not be negative (got {MaxIdleSandboxes})");
        }

        return problems;
    }

    /// <summary>Least wall-clock budget of the one warm-up call made after a script version is loaded.</summary>
    internal static readonly TimeSpan MinWarmUpTimeLimit = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Wall-clock budget of the warm-up call (<see cref="TimeLimit"/>, but at least one second): the cold
    /// first run of a script may take longer than a call may, and that is what the warm-up absorbs. Every
    /// other limit is the same as for a call. Never used for a call whose answer is used.
    /// </summary>
    internal TimeSpan WarmUpTimeLimit => TimeLimit > MinWarmUpTimeLimit ? TimeLimit : MinWarmUpTimeLimit;

    internal int EffectiveMaxIdleSandboxes => MaxIdleSandboxes > 0 ? MaxIdleSandboxes : Environment.ProcessorCount * 2;
}
