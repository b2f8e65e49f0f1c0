using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Host.Policies.Defaults;

namespace PluginMesh.Host.Policies.Tests;

/// <summary>The shipped policies/*.js must behave exactly like the built-in defaults.</summary>
public sealed class ShippedScriptsTests : IDisposable
{
    private readonly PolicyEngine _engine;

    public ShippedScriptsTests()
    {
        _engine = new PolicyEngine(TempPolicyDir.Options(Repo.PoliciesDirectory), NullLogger<PolicyEngine>.Instance, TimeProvider.System);
        _engine.Reload();
    }

    [Fact]
    public void Load_ShippedScripts_EveryHookActive()
    {
        Assert.All(_engine.Status, s =>
        {
            Assert.Equal("script", s.Using);
            Assert.Null(s.LastError);
            Assert.NotNull(s.ActiveVersion);
        });
        Assert.Equal(["relay-selection", "failover", "resync", "endpoint", "relay-election", "retire"], _engine.Status.Select(s => s.Name));
    }

    [Fact]
    public void RankRelays_ShippedScript_EqualsDefaultOnTable()
    {
        var policy = new DefaultRelaySelectionPolicy();
        foreach (var input in Inputs.RelayTable())
        {
            var expected = policy.RankRelays(input).Relays;
            var actual = _engine.RankRelays(input).Relays;
            Assert.True(expected.SequenceEqual(actual), $"input {Describe(input)}: default [{string.Join(",", expected)}] script [{string.Join(",", actual)}]");
        }

        AssertNoFallbacks("relay-selection");
    }

    [Fact]
    public void OnFailure_ShippedScript_EqualsDefaultOnTable()
    {
        var policy = new DefaultFailoverPolicy();
        foreach (var input in Inputs.FailureTable())
        {
            Assert.Equal(policy.OnFailure(input), _engine.OnFailure(input));
        }

        AssertNoFallbacks("failover");
    }

    [Fact]
    public void ShouldResync_ShippedScript_EqualsDefaultOnTable()
    {
        var policy = new DefaultResyncPolicy();
        foreach (var input in Inputs.ResyncTable())
        {
            Assert.True(policy.ShouldResync(input) == _engine.ShouldResync(input), $"input {input}");
        }

        AssertNoFallbacks("resync");
    }

    [Fact]
    public void PickEndpoint_ShippedScript_EqualsDefaultOnTable()
    {
        var policy = new DefaultEndpointPolicy();
        foreach (var input in Inputs.EndpointTable())
        {
            Assert.Equal(policy.PickEndpoint(input), _engine.PickEndpoint(input));
        }

        AssertNoFallbacks("endpoint");
    }

    [Fact]
    public void ElectRelay_ShippedScript_EqualsDefaultOnGeneratedInputs()
    {
        var policy = new DefaultRelayElectionPolicy();
        var inputs = Inputs.ElectionTable().ToList();
        foreach (var input in inputs)
        {
            Assert.True(policy.ElectRelay(input) == _engine.ElectRelay(input), $"input {Describe(input)}");
        }

        // The generated table must exercise both answers, or equality would prove little.
        Assert.InRange(inputs.Count(i => policy.ElectRelay(i).Offer), inputs.Count / 5, inputs.Count * 4 / 5);
        AssertNoFallbacks("relay-election");
    }

    [Fact]
    public void ShouldRetire_ShippedScript_EqualsDefaultOnTable()
    {
        var policy = new DefaultNodeRetirePolicy();
        var inputs = Inputs.RetireTable().ToList();
        foreach (var input in inputs)
        {
            Assert.True(policy.ShouldRetire(input) == _engine.ShouldRetire(input), $"input silent={input.SilentSeconds} api={input.ApiConnected} labels={string.Join(",", input.Labels)}");
        }

        Assert.InRange(inputs.Count(i => policy.ShouldRetire(i).Retire), inputs.Count / 5, inputs.Count * 4 / 5);
        AssertNoFallbacks("retire");
    }

    [Theory]
    [InlineData("relay-selection.js")]
    [InlineData("failover.js")]
    [InlineData("resync.js")]
    [InlineData("endpoint.js")]
    [InlineData("relay-election.js")]
    [InlineData("retire.js")]
    public void Check_ShippedScript_Passes(string file)
    {
        var result = PolicyCheck.Check(Path.Combine(Repo.PoliciesDirectory, file), TempPolicyDir.Options(Repo.PoliciesDirectory));
        Assert.True(result.Ok, string.Join("; ", result.Errors));
        Assert.Single(result.Functions);
    }

    public void Dispose() => _engine.Dispose();

    private void AssertNoFallbacks(string name)
    {
        var status = _engine.Status.Single(s => s.Name == name);
        Assert.True(status.Fallbacks == 0, $"{name}: {status.Fallbacks} fallbacks, last error {status.LastError}");
        Assert.True(status.Calls > 0);
    }

    private static string Describe(Abstractions.Policies.RelaySelectionInput input) =>
        string.Join(" ", input.Candidates.Select(c => $"{c.PeerId}/{c.RttMs}/{c.RecentFailures}/{c.Load}/{string.Join(",", c.Labels.Values)}"));

    private static string Describe(Abstractions.Policies.RelayElectionInput input) =>
        $"label={input.NodeLabel ?? "null"} want={input.Want} " +
        string.Join(" ", input.Segment.Select(m => $"{m.PeerId}{(m.Self ? "*" : "")}/{m.Reachability}/{(m.Offers ? "offers" : "-")}/{m.Cores}/{m.MemoryMiB}/{m.UptimeSeconds}/{m.Load}"));
}
