using PluginMesh.Abstractions.Policies;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>
/// The agent loads its policies beside the plugins' start (<see cref="PolicyEngine.StartInBackground"/>):
/// a call made while the scripts are still loading waits for them, so the operator's script — not the
/// built-in default — answers every call from the first one.
/// </summary>
public sealed class BackgroundStartTests : IDisposable
{
    private static readonly FailureInput Failure = new("dial", "node-b", "refused", 1, 12, 3);

    private readonly TempPolicyDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CallDuringTheLoad_WaitsForIt_AndGetsTheScriptsAnswer()
    {
        // The warm-up call (reason "timeout") spins for 400 ms, so the load is still running when the
        // test asks; the default would answer "next" (alternatives remain), the script answers giveup 7.
        _dir.Write("failover.js", """
            function onFailure(input) {
              if (input.reason === 'timeout') { var t = Date.now(); while (Date.now() - t < 400) {} }
              return { action: 'giveup', delayMs: 7 };
            }
            """);
        using var engine = _dir.CreateEngine(o => o with { MaxStatements = int.MaxValue });
        var loaded = engine.StartInBackground();

        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 7), engine.OnFailure(Failure));
        await loaded.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("script", engine.Policy("failover").Status().Using);
        Assert.Equal(1, engine.Policy("failover").WarmUps);
    }

    [Fact]
    public async Task StartInBackground_ThenStart_IsOneLoad_AndBeforeEitherTheDefaultsAnswer()
    {
        _dir.Write("failover.js", "function onFailure(input) { return { action: 'giveup', delayMs: 7 }; }");
        using var engine = _dir.CreateEngine();
        Assert.Equal(FailoverAction.Next, engine.OnFailure(Failure).Action); // not started: the default

        await engine.StartInBackground().WaitAsync(TimeSpan.FromSeconds(30));
        engine.Start();
        await engine.StartInBackground();
        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 7), engine.OnFailure(Failure));
        Assert.Equal(1, engine.Policy("failover").Status().Reloads);
    }
}
