using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using static PluginMesh.Host.Policies.Tests.Inputs;

namespace PluginMesh.Host.Policies.Tests.Defaults;

public sealed class DefaultRelaySelectionPolicyTests
{
    public static TheoryData<string, RelaySelectionInput, string[]> Cases => new()
    {
        { "no candidates", new RelaySelectionInput(2, []), [] },
        { "lower rtt first", new RelaySelectionInput(2, [Relay("a", 30), Relay("b", 10), Relay("c", 20)]), ["b", "c", "a"] },
        { "unmeasured counts as 500", new RelaySelectionInput(2, [Relay("a", null), Relay("b", 499), Relay("c", 501)]), ["b", "a", "c"] },
        { "3 failures dropped", new RelaySelectionInput(1, [Relay("a", 10, failures: 3), Relay("b", 900, failures: 2)]), ["b"] },
        { "all failing kept, penalised", new RelaySelectionInput(1, [Relay("a", 10, failures: 5), Relay("b", 20, failures: 3)]), ["b", "a"] },
        { "load scales rtt", new RelaySelectionInput(2, [Relay("a", 100, load: 1), Relay("b", 150, load: 0)]), ["b", "a"] },
        { "ties by ordinal id", new RelaySelectionInput(2, [Relay("z", 10), Relay("y", 10), Relay("Y", 10)]), ["Y", "y", "z"] },
        { "labels group", new RelaySelectionInput(2, [Relay("a", 10, label: "avoid"), Relay("b", 900, label: "preferred"), Relay("c", 50), Relay("d", 40, label: "other")]), ["b", "d", "c", "a"] },
        { "duplicate id kept once at best rank", new RelaySelectionInput(2, [Relay("dup", 90), Relay("x", 50), Relay("dup", 10)]), ["dup", "x"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RankRelays_Table_OrdersAsDocumented(string scenario, RelaySelectionInput input, string[] expected)
    {
        var result = new DefaultRelaySelectionPolicy().RankRelays(input);
        Assert.True(expected.SequenceEqual(result.Relays), $"{scenario}: expected [{string.Join(",", expected)}], got [{string.Join(",", result.Relays)}]");
    }
}
