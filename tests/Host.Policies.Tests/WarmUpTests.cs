using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using PluginMesh.Host.Policies.Scripting;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>
/// Each script version gets one warm-up call right after it is loaded, so the first real call (the agent's
/// first policy call, or <c>pluginmesh policy eval</c>) does not run cold against the time limit.
/// </summary>
public sealed class WarmUpTests : IDisposable
{
    private static readonly FailureInput Failure = new("dial", "node-b", "refused", 1, 12, 0);

    private readonly TempPolicyDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Reload_EachNewVersion_IsWarmedUpOnce_AndTheWarmUpIsNotACall()
    {
        _dir.Write("failover.js", "function onFailure(input) { return { action: 'giveup', delayMs: input.attempt }; }");
        using var engine = _dir.CreateEngine();
        var calls = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, engine.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref calls));
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref calls));
        listener.Start();

        engine.Reload();
        var failover = engine.Policy("failover");
        Assert.Equal(1, failover.WarmUps);
        Assert.Equal(0, failover.WarmUpFailures);
        var status = failover.Status();
        Assert.Equal(("script", 0L, 0L, 0L), (status.Using, status.Calls, status.Errors, status.Fallbacks));
        Assert.Equal(0, Volatile.Read(ref calls)); // no policy metric for the warm-up

        engine.Reload(); // unchanged content: nothing loaded, nothing warmed
        Assert.Equal(1, failover.WarmUps);

        _dir.Write("failover.js", "function onFailure(input) { return { action: 'giveup', delayMs: input.attempt + 1 }; }");
        engine.Reload();
        Assert.Equal(2, failover.WarmUps);
        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 2), engine.OnFailure(Failure));

        // A file that does not parse is rejected before any warm-up; the last good version stays.
        _dir.Write("failover.js", "function onFailure(input) {");
        engine.Reload();
        Assert.Equal((2L, 0L), (failover.WarmUps, failover.WarmUpFailures));
        Assert.Equal("script", failover.Status().Using);
    }

    [Fact]
    public void WarmUp_ThatFails_DoesNotRejectTheVersion()
    {
        // The warm-up input exercises the function; a script failing on it is still loaded (only compile and
        // load problems reject a version), and the failure is not counted as an error or a fallback.
        _dir.Write("failover.js", "function onFailure(input) { if (input.target === 'node-b') throw new Error('boom'); return { action: 'giveup', delayMs: 3 }; }");
        using var engine = _dir.CreateEngine();
        engine.Reload();

        var failover = engine.Policy("failover");
        Assert.Equal((0L, 1L), (failover.WarmUps, failover.WarmUpFailures));
        var status = failover.Status();
        Assert.Equal("script", status.Using);
        Assert.Null(status.LastError);
        Assert.Equal((0L, 0L, 0L), (status.Calls, status.Errors, status.Fallbacks));

        Assert.Equal(new FailoverDecision(FailoverAction.GiveUp, 3), engine.OnFailure(Failure with { Target = "node-c" }));
        Assert.Equal(new DefaultFailoverPolicy().OnFailure(Failure), engine.OnFailure(Failure)); // node-b: falls back, as before
        Assert.Equal(1, failover.Status().Fallbacks);
    }

    [Fact]
    public void WarmUp_HasAGenerousTimeLimit_WhileCallsKeepTheirs()
    {
        // The warm-up's input (reason "timeout") does 40 ms of work by the clock: over the 20 ms call
        // limit, 25 times within the warm-up's (at least 1 s). A real call does 5 s: the time limit must
        // stop it. (Both did 40 ms before, and on a loaded 2-core CI machine the limit's timer fired late
        // enough once for the call to finish first.)
        _dir.Write("failover.js", "function onFailure(input) { var end = Date.now() + (input.reason === 'timeout' ? 40 : 5000); while (Date.now() < end) {} return { action: 'giveup', delayMs: 1 }; }");
        using var engine = _dir.CreateEngine(o => o with { TimeLimit = TimeSpan.FromMilliseconds(20), MaxStatements = int.MaxValue });
        engine.Reload();

        var failover = engine.Policy("failover");
        Assert.Equal((1L, 0L), (failover.WarmUps, failover.WarmUpFailures));
        Assert.Equal(new DefaultFailoverPolicy().OnFailure(Failure), engine.OnFailure(Failure));
        Assert.Contains("time limit", failover.Status().LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void WarmUp_KeepsEveryOtherLimit()
    {
        // The statement limit still applies to the warm-up: a runaway script cannot hold the reload.
        _dir.Write("failover.js", "function onFailure(input) { while (true) {} }");
        using var engine = _dir.CreateEngine(o => o with { TimeLimit = TimeSpan.FromMinutes(1) });
        var started = System.Diagnostics.Stopwatch.StartNew();
        engine.Reload();

        var failover = engine.Policy("failover");
        Assert.Equal((0L, 1L), (failover.WarmUps, failover.WarmUpFailures));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"reload took {started.Elapsed}");
        Assert.Equal("script", failover.Status().Using);
    }

    [Fact]
    public void ShippedScripts_AreWarmedUp_AndAnswerTheWarmUpInputsThemselves()
    {
        using var engine = new PolicyEngine(TempPolicyDir.Options(Repo.PoliciesDirectory), NullLogger<PolicyEngine>.Instance, TimeProvider.System);
        engine.Reload();
        foreach (var name in new[] { "relay-selection", "failover", "resync", "endpoint", "relay-election", "retire" })
        {
            Assert.Equal((1L, 0L), (engine.Policy(name).WarmUps, engine.Policy(name).WarmUpFailures));
        }

        // The representative inputs are valid inputs: the shipped scripts answer them without a fallback.
        engine.RankRelays(RelaySelectionBinding.Instance.WarmUpInput);
        engine.OnFailure(FailoverBinding.Instance.WarmUpInput);
        engine.ShouldResync(ResyncBinding.Instance.WarmUpInput);
        engine.PickEndpoint(EndpointBinding.Instance.WarmUpInput);
        engine.ElectRelay(RelayElectionBinding.Instance.WarmUpInput);
        engine.ShouldRetire(RetireBinding.Instance.WarmUpInput);
        Assert.All(engine.Status, s => Assert.Equal((1L, 0L), (s.Calls, s.Fallbacks)));
    }

    [Fact]
    public void Options_WarmUpTimeLimit_IsTheCallLimitButAtLeastOneSecond()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), new PolicyEngineOptions { Directory = "." }.WarmUpTimeLimit);
        Assert.Equal(TimeSpan.FromSeconds(5), new PolicyEngineOptions { Directory = ".", TimeLimit = TimeSpan.FromSeconds(5) }.WarmUpTimeLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(100), new PolicyEngineOptions { Directory = "." }.TimeLimit); // calls keep theirs
    }
}
