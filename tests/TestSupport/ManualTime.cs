namespace PluginMesh.TestSupport;

/// <summary>A clock the test moves by hand (timers still run on the system clock: only "now" is controlled).</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    /// <summary>Starts at 2026-01-01T00:00Z.</summary>
    public ManualTime()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
