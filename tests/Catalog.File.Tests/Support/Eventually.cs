namespace PluginMesh.Plugins.Catalog.File.Tests.Support;

/// <summary>Bounded waits on observable conditions: the bound only stops a broken test, it asserts no timing.</summary>
public static class Eventually
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"condition not reached within {Bound.TotalSeconds} s: {what}");
            await Task.Delay(20);
        }
    }
}
