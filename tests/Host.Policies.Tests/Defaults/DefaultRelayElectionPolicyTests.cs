using PluginMesh.Abstractions.Policies;
using PluginMesh.Host.Policies.Defaults;
using static PluginMesh.Host.Policies.Tests.Inputs;

namespace PluginMesh.Host.Policies.Tests.Defaults;

public sealed class DefaultRelayElectionPolicyTests
{
    public static TheoryData<string, RelayElectionInput, bool> Cases => new()
    {
        { "label false forbids the best candidate", new RelayElectionInput("false", 2, [Member("s", self: true, cores: 64)]), false },
        { "label true forces a NAT'd agent", new RelayElectionInput("true", 2, [Member("s", self: true, reachability: "private")]), true },
        { "label true even when want is 0", new RelayElectionInput("true", 0, [Member("s", self: true)]), true },
        { "other label values elect", new RelayElectionInput("auto", 1, [Member("s", self: true)]), true },
        { "label values are case-sensitive", new RelayElectionInput("TRUE", 1, [Member("s", self: true, reachability: "private")]), false },
        { "alone and public", new RelayElectionInput(null, 2, [Member("s", self: true)]), true },
        { "private never offers on its own", new RelayElectionInput(null, 2, [Member("s", self: true, reachability: "private")]), false },
        { "unknown never offers on its own", new RelayElectionInput(null, 2, [Member("s", self: true, reachability: "unknown")]), false },
        { "private stops even while offering", new RelayElectionInput(null, 2, [Member("s", self: true, reachability: "private", offers: true)]), false },
        { "no self member", new RelayElectionInput(null, 2, [Member("a")]), false },
        { "want 0", new RelayElectionInput(null, 0, [Member("s", self: true)]), false },
        { "more cores wins the seat", new RelayElectionInput(null, 1, [Member("s", self: true), Member("a", cores: 8)]), false },
        { "second of want 2", new RelayElectionInput(null, 2, [Member("s", self: true, cores: 4), Member("a", cores: 8), Member("b", cores: 2)]), true },
        { "third of want 2", new RelayElectionInput(null, 2, [Member("s", self: true, cores: 2), Member("a", cores: 8), Member("b", cores: 4)]), false },
        { "a NAT'd member does not compete", new RelayElectionInput(null, 1, [Member("s", self: true), Member("a", cores: 8, reachability: "private")]), true },
        { "a member already offering competes", new RelayElectionInput(null, 1, [Member("s", self: true), Member("a", cores: 8, reachability: "private", offers: true)]), false },
        { "memory breaks a cores tie", new RelayElectionInput(null, 1, [Member("s", self: true, memoryMiB: 2048), Member("a", memoryMiB: 4096)]), false },
        { "uptime breaks a memory tie", new RelayElectionInput(null, 1, [Member("s", self: true, uptime: 7200), Member("a", uptime: 3600)]), true },
        { "PeerId breaks the last tie, ordinal", new RelayElectionInput(null, 1, [Member("b", self: true), Member("a")]), false },
        { "ordinal: upper case first", new RelayElectionInput(null, 1, [Member("a", self: true), Member("B")]), false },
        { "a saturated relay hands over", new RelayElectionInput(null, 1, [Member("s", self: true, cores: 16, offers: true, load: 0.9), Member("a", cores: 1)]), false },
        { "just below saturation keeps its seat", new RelayElectionInput(null, 1, [Member("s", self: true, cores: 16, offers: true, load: 0.89), Member("a", cores: 1)]), true },
        { "a saturated member ranks last", new RelayElectionInput(null, 1, [Member("s", self: true, cores: 1), Member("a", cores: 16, offers: true, load: 1)]), true },
        { "saturated among saturated: by resources", new RelayElectionInput(null, 1, [Member("s", self: true, cores: 1, load: 0.95), Member("a", cores: 16, load: 1)]), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ElectRelay_Table_DecidesAsDocumented(string scenario, RelayElectionInput input, bool offer)
    {
        Assert.True(new DefaultRelayElectionPolicy().ElectRelay(input).Offer == offer, scenario);
    }

    [Fact]
    public void ElectRelay_EveryMemberOfASegmentAsked_ExactlyWantOffer()
    {
        // The point of the election: agents that see the same records agree, and the segment gets `want` relays.
        RelayElectionMember[] segment =
        [
            Member("12D3KooWA", cores: 4, memoryMiB: 3840), Member("12D3KooWB", cores: 8, memoryMiB: 7680, load: 0.95),
            Member("12D3KooWC", cores: 4, memoryMiB: 3840, uptime: 90_000), Member("12D3KooWD", reachability: "private", cores: 16),
            Member("12D3KooWE", cores: 2), Member("12D3KooWF", cores: 4, memoryMiB: 3840),
        ];
        var policy = new DefaultRelayElectionPolicy();

        var offering = segment
            .Where((_, i) => policy.ElectRelay(new RelayElectionInput(null, 2, segment.Select((m, j) => m with { Self = i == j }).ToList())).Offer)
            .Select(m => m.PeerId);

        // C: longest uptime among the unsaturated 4-core public members; A beats F on PeerId; B is saturated, D NAT'd.
        Assert.Equal(["12D3KooWA", "12D3KooWC"], offering);
    }
}
