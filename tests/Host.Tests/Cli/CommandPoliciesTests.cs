using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Cli;
using PluginMesh.Host.Policies;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>The failover policy the host hands to plugin commands: the node's failover.js, loaded on first use.</summary>
public sealed class CommandPoliciesTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void OnFailure_AnswersFromTheNodesScript_NotTheBuiltInDefault()
    {
        // The built-in default moves to the next path while there is one; this script always gives up.
        _tmp.File("policies/failover.js", "function onFailure(input) { return { action: \"giveup\", delayMs: 0 }; }\n");
        using var policies = new CommandPolicies(new PolicyEngineOptions { Directory = Path.Combine(_tmp.Path, "policies") });
        var decision = policies.OnFailure(new FailureInput("dial", "peer", "refused", 1, 5, 2));
        Assert.Equal(FailoverAction.GiveUp, decision.Action);
    }

    [Fact]
    public void OnFailure_WithTheShippedScript_NextWhileAlternativesRemain()
    {
        using var policies = new CommandPolicies(new PolicyEngineOptions { Directory = Path.Combine(TestPaths.RepoRoot, "policies") });
        Assert.Equal(FailoverAction.Next, policies.OnFailure(new FailureInput("dial", "peer", "refused", 1, 5, 1)).Action);
        Assert.Equal(FailoverAction.Retry, policies.OnFailure(new FailureInput("holepunch", "peer", "timeout", 1, 5, 0)).Action);
    }
}
