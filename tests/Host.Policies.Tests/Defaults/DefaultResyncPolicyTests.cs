using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Tests.Defaults;

public sealed class DefaultResyncPolicyTests
{
    [Theory]
    [InlineData("startup", -1, 0, true, 0)]
    [InlineData("reconnected", 50, 1, true, 1000)]
    [InlineData("watch-expired", 50, 3, true, 4000)]
    [InlineData("reconnected", 50, 6, true, 30000)]
    [InlineData("reconnected", 50, 1000, true, 30000)]
    [InlineData("periodic", -1, 0, true, 0)]
    [InlineData("periodic", 600, 0, true, 0)]
    [InlineData("periodic", 0, 0, false, 600000)]
    [InlineData("periodic", 100, 4, false, 500000)]
    [InlineData("periodic", 599.9995, 0, false, 1)]
    [InlineData("new-trigger", 10, 0, true, 0)]
    public void ShouldResync_Table_DecidesAsDocumented(string trigger, double since, int failures, bool resync, int delayMs)
    {
        var decision = new DefaultResyncPolicy().ShouldResync(new ResyncInput("kubernetes", trigger, since, failures, 0, 10));
        Assert.Equal(new ResyncDecision(resync, delayMs), decision);
    }
}
