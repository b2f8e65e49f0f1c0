namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>A clock tests move by hand; timers still run on the system clock.</summary>
public sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
