using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using static PluginMesh.Host.Policies.Tests.Inputs;

namespace PluginMesh.Host.Policies.Tests.Defaults;

public sealed class DefaultEndpointPolicyTests
{
    public static TheoryData<string, EndpointCandidate[], int> Cases => new()
    {
        { "single", [Endpoint("a")], 0 },
        { "fewest failures first", [Endpoint("a", local: true, failures: 1), Endpoint("b", active: 9)], 1 },
        { "then local", [Endpoint("a"), Endpoint("b", local: true, active: 5)], 1 },
        { "then fewest connections", [Endpoint("a", active: 3), Endpoint("b", active: 2), Endpoint("c", active: 2)], 1 },
        { "then lowest index", [Endpoint("a"), Endpoint("b")], 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PickEndpoint_Table_PicksAsDocumented(string scenario, EndpointCandidate[] candidates, int expected)
    {
        var pick = new DefaultEndpointPolicy().PickEndpoint(new EndpointPickInput("ns/web", 80, "10.0.0.1", candidates));
        Assert.True(expected == pick.Index, $"{scenario}: expected {expected}, got {pick.Index}");
    }

    [Fact]
    public void PickEndpoint_NoCandidates_ThrowsBecauseItIsACallerBug()
    {
        Assert.Throws<ArgumentException>(() => new DefaultEndpointPolicy().PickEndpoint(new EndpointPickInput("ns/web", 80, "10.0.0.1", [])));
    }
}
