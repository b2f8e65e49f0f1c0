using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Relay.Election;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Election;

/// <summary>The election's decisions and hysteresis, asked of the shipped policies/relay-election.js.</summary>
public sealed class RelayElectionTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);
    private readonly Host.Policies.PolicyEngine _policy = ShippedPolicies.Create();
    private readonly ManualTime _time = new();

    private static RelayElectionMember Me(string reachability = "public", bool offers = false, int cores = 2) =>
        new("12D3KooWSelf", true, reachability, offers, cores, 2048, 600, 0);

    private static RelayElectionMember Strong(string id, double load = 0) => new(id, false, "public", true, 16, 65536, 86400, load);

    private RelayElection Election(RelayOfferMode mode = RelayOfferMode.Auto, IRelayElectionPolicy? policy = null, bool noPolicy = false) =>
        new(mode, 2, Settle, noPolicy ? null : policy ?? _policy, _time);

    [Theory]
    [InlineData(RelayOfferMode.Always, "private", null, true, "mode")]
    [InlineData(RelayOfferMode.Never, "public", "true", false, "mode")]
    [InlineData(RelayOfferMode.Auto, "private", "true", true, "label")]
    [InlineData(RelayOfferMode.Auto, "public", "false", false, "label")]
    [InlineData(RelayOfferMode.Auto, "public", "yes", true, "policy")]
    [InlineData(RelayOfferMode.Auto, "private", null, false, "policy")]
    [InlineData(RelayOfferMode.Auto, "unknown", null, false, "policy")]
    public void FirstRound_ModeThenLabelThenPolicy(RelayOfferMode mode, string reachability, string? label, bool offer, string cause)
    {
        var election = Election(mode);
        Assert.True(election.Evaluate(new ElectionInput(label, Enum.Parse<Reachability>(reachability, true), [Me(reachability)])));
        Assert.Equal((offer, cause), (election.Current!.Offer, election.Current.Cause));
        Assert.Equal(_time.GetUtcNow(), election.Current.Since);
    }

    [Fact]
    public void PublicAgent_OutrankedByWantStrongerRelays_Declines_AndSaysWhy()
    {
        var election = Election();
        election.Evaluate(new ElectionInput(null, Reachability.Public, [Me(), Strong("12D3KooWA"), Strong("12D3KooWB")]));
        Assert.False(election.Current!.Offer);
        Assert.Contains("electRelay: decline", election.Current.Reason, StringComparison.Ordinal);
        Assert.Contains("2 other relay(s) offering, want 2", election.Current.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NoPolicy_OffersWhilePublic()
    {
        var election = Election(noPolicy: true);
        election.Evaluate(new ElectionInput(null, Reachability.Public, [Me()]));
        Assert.Equal((true, "autonat"), (election.Current!.Offer, election.Current.Cause));
    }

    [Fact]
    public void Hysteresis_SeatGivenUpOnlyAfterASteadyNo_AndNotRetakenBeforeItSettles()
    {
        var election = Election();
        var alone = new ElectionInput(null, Reachability.Public, [Me()]);
        var outranked = new ElectionInput(null, Reachability.Public, [Me(offers: true), Strong("12D3KooWA"), Strong("12D3KooWB")]);
        Assert.True(election.Evaluate(alone));
        Assert.True(election.Current!.Offer);

        // Two stronger relays appear: the policy says no, the seat is kept while that settles.
        Assert.False(election.Evaluate(outranked));
        Assert.True(election.Current.Offer);
        Assert.False(election.Pending!.Offer);
        _time.Advance(Settle / 2);
        // A break in the "no" starts the wait again.
        Assert.False(election.Evaluate(alone));
        Assert.Null(election.Pending);
        Assert.False(election.Evaluate(outranked));
        _time.Advance(Settle - TimeSpan.FromSeconds(1));
        Assert.False(election.Evaluate(outranked));
        Assert.True(election.Current.Offer);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(election.Evaluate(outranked));
        Assert.False(election.Current.Offer);
        Assert.Equal(_time.GetUtcNow(), election.Current.Since);

        // They go away at once: the seat is taken back only once the last change has settled.
        Assert.False(election.Evaluate(alone));
        Assert.True(election.Pending!.Offer);
        _time.Advance(Settle);
        Assert.True(election.Evaluate(alone));
        Assert.True(election.Current.Offer);
    }

    [Fact]
    public void Hysteresis_FirstSeatAfterStart_TakenAtOnce_LabelAppliesAtOnce()
    {
        var election = Election();
        election.Evaluate(new ElectionInput(null, Reachability.Unknown, [Me("unknown")]));
        Assert.False(election.Current!.Offer);
        _time.Advance(TimeSpan.FromSeconds(5));
        // AutoNAT finds the agent public a few seconds after start: no reason to wait.
        Assert.True(election.Evaluate(new ElectionInput(null, Reachability.Public, [Me()])));
        Assert.True(election.Current.Offer);
        // The operator forbids it: at once, whatever the hysteresis.
        Assert.True(election.Evaluate(new ElectionInput("false", Reachability.Public, [Me(offers: true)])));
        Assert.Equal((false, "label"), (election.Current.Offer, election.Current.Cause));
    }

    [Theory]
    [InlineData(0, 128, 0, 1024, 0)]
    [InlineData(64, 128, 0, 1024, 0.5)]
    [InlineData(1, 128, 1000, 1024, 0.98)]
    [InlineData(200, 128, 0, 1024, 1)]
    [InlineData(0, 0, 0, 1024, 1)]
    public void LoadOf_TheFullerTable(int reservations, int maxReservations, int circuits, int maxCircuits, double load) =>
        Assert.Equal(load, RelayFacts.LoadOf(reservations, maxReservations, circuits, maxCircuits));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1234.5, 1200)]
    [InlineData(98765, 99000)]
    [InlineData(0.123, 0.12)]
    public void Coarse_TwoSignificantDigits(double value, double expected) => Assert.Equal(expected, RelayFacts.Coarse(value), 9);

    [Fact]
    public void Member_FromRecord_ReadsOfferFacts_UnknownWithoutOffer()
    {
        var id = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
        var now = _time.GetUtcNow();
        var record = new NodeRecord("n", PeerId.Parse(id), [], [], ["relay"], 1, DateTimeOffset.MaxValue, new Dictionary<string, string>())
        {
            Offers = new Dictionary<string, IReadOnlyDictionary<string, double>>
            {
                ["relay"] = new Dictionary<string, double> { ["load"] = 0.4, ["cores"] = 8, ["memoryMiB"] = 4096, ["startedAt"] = now.ToUnixTimeSeconds() - 3600, ["public"] = 1 },
            },
        };
        Assert.Equal(new RelayElectionMember(id, false, "public", true, 8, 4096, 3600, 0.4), RelayFacts.Member(id, record, now));
        Assert.Equal(new RelayElectionMember(id, false, "unknown", false, 0, 0, 0, 0), RelayFacts.Member(id, record with { Capabilities = [], Offers = new Dictionary<string, IReadOnlyDictionary<string, double>>() }, now));
        Assert.Equal(new RelayElectionMember(id, false, "unknown", false, 0, 0, 0, 0), RelayFacts.Member(id, null, now));
    }

    public void Dispose() => _policy.Dispose();
}
