namespace PluginMesh.TestSupport;

/// <summary>A generous upper bound so a broken test fails instead of hanging; never a performance threshold.</summary>
public static class TestTimeout
{
    public static CancellationToken Token(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
