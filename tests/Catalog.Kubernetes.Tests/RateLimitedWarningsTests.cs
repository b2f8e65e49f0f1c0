namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

public sealed class RateLimitedWarningsTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void ShouldLog_SameReasonWithinInterval_SuppressedAndCountedOnNextOne()
    {
        var time = new ManualTime();
        var warnings = new RateLimitedWarnings(time, TimeSpan.FromMinutes(1));

        Assert.True(warnings.ShouldLog("services:ExternalName", out var first));
        Assert.Equal(0, first);
        Assert.False(warnings.ShouldLog("services:ExternalName", out _));
        Assert.False(warnings.ShouldLog("services:ExternalName", out _));
        Assert.True(warnings.ShouldLog("nodes:malformed", out _));

        time.Now += TimeSpan.FromMinutes(1);
        Assert.True(warnings.ShouldLog("services:ExternalName", out var suppressed));
        Assert.Equal(2, suppressed);
    }
}
