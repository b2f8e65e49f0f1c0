namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>A clock the test moves by hand (timers still run on the system clock: only "now" is controlled).</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
