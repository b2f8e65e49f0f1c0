using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>Many threads calling at once, while the script is being replaced, all get valid answers.</summary>
public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempPolicyDir _dir = new();

    [Fact]
    public async Task AllPolicies_ManyThreadsDuringReloads_EveryAnswerValidAndEqualToDefault()
    {
        foreach (var file in Directory.GetFiles(Repo.PoliciesDirectory, "*.js"))
        {
            File.Copy(file, Path.Combine(_dir.Path, Path.GetFileName(file)));
        }

        using var engine = _dir.CreateEngine();
        engine.Reload();
        var relays = Inputs.RelayTable().ToArray();
        var failures = Inputs.FailureTable().ToArray();
        var resyncs = Inputs.ResyncTable().ToArray();
        var endpoints = Inputs.EndpointTable().ToArray();
        var elections = Inputs.ElectionTable().ToArray();
        var retires = Inputs.RetireTable().ToArray();
        var relayDefault = new DefaultRelaySelectionPolicy();
        var failoverDefault = new DefaultFailoverPolicy();
        var resyncDefault = new DefaultResyncPolicy();
        var endpointDefault = new DefaultEndpointPolicy();
        var electionDefault = new DefaultRelayElectionPolicy();
        var retireDefault = new DefaultNodeRetirePolicy();
        var mismatches = 0;
        const int Threads = 16;
        const int CallsPerThread = 400;

        const int Swaps = 20;
        var swapsDone = 0;
        var calls = 0L;
        var reloader = Task.Run(() =>
        {
            // Swap versions (same behaviour, different text) under the callers' feet.
            var source = File.ReadAllText(Path.Combine(Repo.PoliciesDirectory, "failover.js"));
            for (var i = 0; i < Swaps; i++)
            {
                _dir.Write("failover.js", source + $"\n// version {i}\n");
                engine.Reload();
                Volatile.Write(ref swapsDone, i + 1);
            }
        });

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            // Keep calling until every swap happened, so calls and reloads really overlap.
            for (var i = 0; i < CallsPerThread || Volatile.Read(ref swapsDone) < Swaps; i++)
            {
                var k = (thread * CallsPerThread) + i;
                var ok = (k % 6) switch
                {
                    0 => relayDefault.RankRelays(relays[k % relays.Length]).Relays.SequenceEqual(engine.RankRelays(relays[k % relays.Length]).Relays),
                    1 => failoverDefault.OnFailure(failures[k % failures.Length]) == engine.OnFailure(failures[k % failures.Length]),
                    2 => resyncDefault.ShouldResync(resyncs[k % resyncs.Length]) == engine.ShouldResync(resyncs[k % resyncs.Length]),
                    3 => endpointDefault.PickEndpoint(endpoints[k % endpoints.Length]) == engine.PickEndpoint(endpoints[k % endpoints.Length]),
                    4 => electionDefault.ElectRelay(elections[k % elections.Length]) == engine.ElectRelay(elections[k % elections.Length]),
                    _ => retireDefault.ShouldRetire(retires[k % retires.Length]) == engine.ShouldRetire(retires[k % retires.Length]),
                };
                Interlocked.Increment(ref calls);
                if (!ok)
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });
        await reloader;

        Assert.Equal(0, mismatches);
        Assert.Equal(calls, engine.Status.Sum(s => s.Calls));
        Assert.All(engine.Status, s => Assert.True(s.Fallbacks == 0, $"{s.Name}: {s.LastError}"));
        Assert.Equal(1 + Swaps, engine.Status.Single(s => s.Name == "failover").Reloads);
    }

    [Fact]
    public void OnFailure_ManyThreadsHittingLimits_AllAnswersFromDefault()
    {
        _dir.Write("failover.js", "function onFailure(input) { if (input.attempt % 2 === 0) { while (true) {} } return { action: 'giveup', delayMs: 9 }; }");
        using var engine = _dir.CreateEngine();
        engine.Reload();
        var wrong = 0;

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var input = new FailureInput("dial", "n", "timeout", (i % 2) + 1, 0, 0);
            var expected = i % 2 == 1 ? new DefaultFailoverPolicy().OnFailure(input) : new FailoverDecision(FailoverAction.GiveUp, 9);
            if (engine.OnFailure(input) != expected)
            {
                Interlocked.Increment(ref wrong);
            }
        });

        Assert.Equal(0, wrong);
        Assert.Equal(100, engine.Status.Single(s => s.Name == "failover").Fallbacks);
    }

    public void Dispose() => _dir.Dispose();
}
