namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

/// <summary>Waits for a state to be reached (no timing assertion: the bound only stops a broken test).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"never became true: {what}");
            await Task.Delay(5);
        }
    }
}
