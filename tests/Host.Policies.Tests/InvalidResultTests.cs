using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using static PluginMesh.Host.Policies.Tests.Inputs;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>Every kind of invalid answer is refused and the default answers that call.</summary>
public sealed class InvalidResultTests : IDisposable
{
    private static readonly RelaySelectionInput Relays = new(2, [Relay("a", 10), Relay("b", 20), Relay("c", 30)]);
    private static readonly FailureInput Failure = new("dial", "node-b", "refused", 1, 12, 0);
    private static readonly ResyncInput Resync = new("kubernetes", "periodic", 30, 0, 0, 10);
    private static readonly EndpointPickInput Endpoints = new("ns/web", 80, "10.0.0.1", [Endpoint("a", active: 2), Endpoint("b", active: 1)]);
    private static readonly RelayElectionInput Election = new(null, 1, [Member("s", self: true), Member("a", cores: 8)]);
    private static readonly RetireInput Retire = Silent(400);

    private readonly TempPolicyDir _dir = new();

    public static TheoryData<string, string> RelayAnswers => new()
    {
        { "undefined", "undefined" },
        { "null", "null" },
        { "array instead of object", "['a']" },
        { "missing relays", "({ relay: ['a'] })" },
        { "relays not an array", "({ relays: 'a' })" },
        { "unknown id", "({ relays: ['a', 'zzz'] })" },
        { "duplicate id", "({ relays: ['a', 'a'] })" },
        { "number id", "({ relays: [1] })" },
        { "hole in array", "({ relays: [, 'a'] })" },
        { "getter", "({ get relays() { while (true) {} } })" },
        { "proxy", "new Proxy({ relays: ['a'] }, { get: function () { while (true) {} } })" },
        { "more items than candidates", "({ relays: ['a', 'b', 'c', 'a'] })" },
        { "promise", "Promise.resolve({ relays: ['a'] })" },
    };

    public static TheoryData<string, string> FailoverAnswers => new()
    {
        { "unknown action", "({ action: 'panic', delayMs: 0 })" },
        { "action wrong case", "({ action: 'Retry', delayMs: 0 })" },
        { "action not a string", "({ action: 1, delayMs: 0 })" },
        { "missing delay", "({ action: 'retry' })" },
        { "negative delay", "({ action: 'retry', delayMs: -1 })" },
        { "delay too long", "({ action: 'retry', delayMs: 60001 })" },
        { "fractional delay", "({ action: 'retry', delayMs: 1.5 })" },
        { "NaN delay", "({ action: 'retry', delayMs: NaN })" },
        { "Infinity delay", "({ action: 'retry', delayMs: Infinity })" },
        { "string delay", "({ action: 'retry', delayMs: '10' })" },
        { "string result", "'retry'" },
    };

    public static TheoryData<string, string> ResyncAnswers => new()
    {
        { "resync not boolean", "({ resync: 1, delayMs: 0 })" },
        { "resync string", "({ resync: 'true', delayMs: 0 })" },
        { "missing resync", "({ delayMs: 0 })" },
        { "delay too long", "({ resync: true, delayMs: 600001 })" },
        { "negative delay", "({ resync: false, delayMs: -5 })" },
        { "boolean result", "true" },
    };

    public static TheoryData<string, string> EndpointAnswers => new()
    {
        { "index past end", "({ index: 2 })" },
        { "negative index", "({ index: -1 })" },
        { "fractional index", "({ index: 0.5 })" },
        { "index as string", "({ index: '1' })" },
        { "bare number", "1" },
        { "missing index", "({})" },
    };

    public static TheoryData<string, string> ElectionAnswers => new()
    {
        { "offer not boolean", "({ offer: 1 })" },
        { "offer string", "({ offer: 'true' })" },
        { "offer null", "({ offer: null })" },
        { "missing offer", "({ offers: true })" },
        { "getter", "({ get offer() { return true; } })" },
        { "boolean result", "true" },
        { "promise", "Promise.resolve({ offer: true })" },
    };

    public static TheoryData<string, string> RetireAnswers => new()
    {
        { "retire not boolean", "({ retire: 1 })" },
        { "retire string", "({ retire: 'false' })" },
        { "retire undefined", "({ retire: undefined })" },
        { "missing retire", "({ retired: false })" },
        { "getter", "({ get retire() { return false; } })" },
        { "array", "[false]" },
        { "null", "null" },
    };

    [Theory]
    [MemberData(nameof(RelayAnswers))]
    public void RankRelays_InvalidAnswer_DefaultAnswers(string scenario, string answer)
    {
        using var engine = EngineWith("relay-selection.js", "rankRelays", answer);
        Assert.True(new DefaultRelaySelectionPolicy().RankRelays(Relays).Relays.SequenceEqual(engine.RankRelays(Relays).Relays), scenario);
        AssertFellBack(engine, "relay-selection", scenario);
    }

    [Theory]
    [MemberData(nameof(FailoverAnswers))]
    public void OnFailure_InvalidAnswer_DefaultAnswers(string scenario, string answer)
    {
        using var engine = EngineWith("failover.js", "onFailure", answer);
        Assert.Equal(new DefaultFailoverPolicy().OnFailure(Failure), engine.OnFailure(Failure));
        AssertFellBack(engine, "failover", scenario);
    }

    [Theory]
    [MemberData(nameof(ResyncAnswers))]
    public void ShouldResync_InvalidAnswer_DefaultAnswers(string scenario, string answer)
    {
        using var engine = EngineWith("resync.js", "shouldResync", answer);
        Assert.Equal(new DefaultResyncPolicy().ShouldResync(Resync), engine.ShouldResync(Resync));
        AssertFellBack(engine, "resync", scenario);
    }

    [Theory]
    [MemberData(nameof(EndpointAnswers))]
    public void PickEndpoint_InvalidAnswer_DefaultAnswers(string scenario, string answer)
    {
        using var engine = EngineWith("endpoint.js", "pickEndpoint", answer);
        Assert.Equal(new DefaultEndpointPolicy().PickEndpoint(Endpoints), engine.PickEndpoint(Endpoints));
        AssertFellBack(engine, "endpoint", scenario);
    }

    [Theory]
    [MemberData(nameof(ElectionAnswers))]
    public void ElectRelay_InvalidAnswer_DefaultAnswers(string scenario, string answer)
    {
        using var engine = EngineWith("relay-election.js", "electRelay", answer);
        Assert.Equal(new DefaultRelayElectionPolicy().ElectRelay(Election), engine.ElectRelay(Election));
        AssertFellBack(engine, "relay-election", scenario);
    }

    [Theory]
    [MemberData(nameof(RetireAnswers))]
    public void ShouldRetire_InvalidAnswer_DefaultAnswers(string scenario, string answer)
    {
        using var engine = EngineWith("retire.js", "shouldRetire", answer);
        Assert.Equal(new DefaultNodeRetirePolicy().ShouldRetire(Retire), engine.ShouldRetire(Retire));
        AssertFellBack(engine, "retire", scenario);
    }

    [Fact]
    public void ValidAnswers_Accepted_IncludingSubsetsAndExtraFields()
    {
        _dir.Write("relay-selection.js", "function rankRelays(input) { return { relays: ['c', 'a'], note: 'extra fields are ignored' }; }");
        _dir.Write("failover.js", "function onFailure(input) { return { action: 'next', delayMs: 60000 }; }");
        _dir.Write("resync.js", "function shouldResync(input) { return { resync: false, delayMs: 600000 }; }");
        _dir.Write("endpoint.js", "function pickEndpoint(input) { return { index: input.candidates.length - 1 }; }");
        _dir.Write("relay-election.js", "function electRelay(input) { return { offer: true, why: 'extra fields are ignored' }; }");
        _dir.Write("retire.js", "function shouldRetire(input) { return { retire: false }; }");
        using var engine = _dir.CreateEngine();
        engine.Reload();

        Assert.Equal(["c", "a"], engine.RankRelays(Relays).Relays);
        Assert.Equal(new FailoverDecision(FailoverAction.Next, 60000), engine.OnFailure(Failure));
        Assert.Equal(new ResyncDecision(false, 600000), engine.ShouldResync(Resync));
        Assert.Equal(new EndpointPick(1), engine.PickEndpoint(Endpoints));
        Assert.Equal(new RelayElectionDecision(true), engine.ElectRelay(Election)); // the default says false here
        Assert.Equal(new RetireDecision(false), engine.ShouldRetire(Retire)); // the default says true here
        Assert.All(engine.Status, s => Assert.Equal(0, s.Fallbacks));
    }

    public void Dispose() => _dir.Dispose();

    private PolicyEngine EngineWith(string file, string function, string answer)
    {
        _dir.Write(file, $"function {function}(input) {{ return {answer}; }}");
        var engine = _dir.CreateEngine();
        engine.Reload();
        return engine;
    }

    private static void AssertFellBack(PolicyEngine engine, string name, string scenario)
    {
        var status = engine.Status.Single(s => s.Name == name);
        Assert.True(status.Using == "script", $"{scenario}: script not loaded: {status.LastError}");
        Assert.True(status.Fallbacks == 1, $"{scenario}: expected one fallback, got {status.Fallbacks}");
        Assert.NotNull(status.LastError);
    }
}
