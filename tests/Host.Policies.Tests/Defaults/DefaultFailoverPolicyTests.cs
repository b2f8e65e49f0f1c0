using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Tests.Defaults;

public sealed class DefaultFailoverPolicyTests
{
    [Theory]
    [InlineData("holepunch", 1, 0, FailoverAction.Retry, 1000)]
    [InlineData("holepunch", 2, 3, FailoverAction.Retry, 2000)]
    [InlineData("holepunch", 3, 3, FailoverAction.GiveUp, 0)]
    [InlineData("holepunch", 0, 0, FailoverAction.Retry, 1000)]
    [InlineData("dial", 1, 2, FailoverAction.Next, 0)]
    [InlineData("dial", 7, 1, FailoverAction.Next, 0)]
    [InlineData("dial", 1, 0, FailoverAction.Retry, 100)]
    [InlineData("relay", 2, 0, FailoverAction.Retry, 200)]
    [InlineData("reserve", 3, 0, FailoverAction.GiveUp, 0)]
    [InlineData("endpoint", -4, 0, FailoverAction.Retry, 100)]
    public void OnFailure_Table_DecidesAsDocumented(string operation, int attempt, int alternatives, FailoverAction action, int delayMs)
    {
        var decision = new DefaultFailoverPolicy().OnFailure(new FailureInput(operation, "node-b", "timeout", attempt, 10, alternatives));
        Assert.Equal(new FailoverDecision(action, delayMs), decision);
    }

    [Theory]
    [InlineData("dial", 1, 0, FailoverAction.GiveUp, 0)]
    [InlineData("dial", 1, 2, FailoverAction.Next, 0)]
    [InlineData("endpoint", 1, 0, FailoverAction.Retry, 100)]
    [InlineData("holepunch", 1, 0, FailoverAction.Retry, 1000)]
    public void OnFailure_Refused_ADialWithNothingLeftGivesUpAtOnce(string operation, int attempt, int alternatives, FailoverAction action, int delayMs)
    {
        var decision = new DefaultFailoverPolicy().OnFailure(new FailureInput(operation, "node-b", "refused", attempt, 10, alternatives));
        Assert.Equal(new FailoverDecision(action, delayMs), decision);
    }
}
