namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>Bounded waits on observable conditions (no timing assertions).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline) Assert.Fail("timed out waiting for: " + what);
            await Task.Delay(20);
        }
    }
}
