namespace PluginMesh.Host.Policies.Tests;

/// <summary>Waits for an observable condition, failing after a generous bound (never asserts on timing).</summary>
internal static class Eventually
{
    public static void True(Func<bool> condition, string what, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for: {what}");
            }

            Thread.Sleep(20);
        }
    }
}
