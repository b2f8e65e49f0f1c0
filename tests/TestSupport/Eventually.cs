namespace PluginMesh.TestSupport;

/// <summary>
/// Waits for an observable condition. The bound only stops a broken test; it asserts no timing, so
/// it is generous (a shared 2-core machine runs several suites at once).
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var bound = within ?? DefaultBound;
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Fail(what, bound);
            await Task.Delay(Poll);
        }
    }

    /// <summary>The blocking form, for code that cannot await.</summary>
    public static void True(Func<bool> condition, string what, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var bound = within ?? DefaultBound;
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Fail(what, bound);
            Thread.Sleep(Poll);
        }
    }

    private static void Fail(string what, TimeSpan bound) => Assert.Fail($"never became true within {bound.TotalSeconds} s: {what}");
}
