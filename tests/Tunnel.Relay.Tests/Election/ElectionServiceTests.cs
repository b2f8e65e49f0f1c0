using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Election;

/// <summary>The election in the running relay service: real libp2p nodes on loopback, the shipped relay-election.js.</summary>
public sealed class ElectionServiceTests : IDisposable
{
    private readonly Host.Policies.PolicyEngine _policy = ShippedPolicies.Create();

    [Fact]
    public async Task PublicAgent_Elected_OffersHopWithItsLoad_ThenWithdrawsWhenPrivate()
    {
        await using var relay = await RelayNode.StartAsync(
            new RelayOptions { Members = MembershipMode.All, ElectionSettle = TimeSpan.Zero, Limits = new HopLimits { MaxReservations = 4 } },
            Reachability.Public, election: _policy);
        Assert.True(relay.Service.HopOffered);
        var facts = Assert.Single(relay.LocalPeer!.Offers, o => o.Service == "relay").Facts;
        Assert.Equal((0, 0, 1, Environment.ProcessorCount), (facts["reservations"], facts["load"], facts["public"], facts["cores"]));
        var status = (RelayStatus)new RelayStatusContributor(relay.Service, new RelayOptions()).GetStatus();
        Assert.Equal((true, "policy"), (status.Hop.Election!.Offer, status.Hop.Election.Cause));
        Assert.Contains("AutoNAT: public", status.Hop.Election.Reason, StringComparison.Ordinal);

        // A private agent reserves on it: the next round publishes the load.
        await using var client = await RelayNode.StartAsync(
            new RelayOptions { Relay = RelayOfferMode.Never, Relays = 1, Candidates = [relay.Address] }, Reachability.Private);
        await Eventually.TrueAsync(() => client.Service.Reservations!.Reservations.Count == 1, "the client reserved on the elected relay");
        relay.Service.Elect();
        facts = Assert.Single(relay.LocalPeer.Offers).Facts;
        Assert.Equal((1, 0.25), (facts["reservations"], facts["load"]));

        relay.Network!.SetReachability(Reachability.Private);
        await Eventually.TrueAsync(() => !relay.Service.HopOffered && relay.LocalPeer.Offers.Count == 0, "the offer is withdrawn once private");
        status = (RelayStatus)new RelayStatusContributor(relay.Service, new RelayOptions()).GetStatus();
        Assert.Contains("AutoNAT: private", status.Hop.Election!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeLabel_True_OffersWhilePrivate()
    {
        var catalog = new LabelledNode("edge-1", new Dictionary<string, string> { ["pluginmesh.io/relay"] = "true" });
        await using var relay = await RelayNode.StartAsync(new RelayOptions(), Reachability.Private, election: _policy, catalog: catalog, nodeName: "edge-1");
        Assert.True(relay.Service.HopOffered);
        Assert.Equal("label", relay.Service.Election.Current!.Cause);
        Assert.Equal(0, Assert.Single(relay.LocalPeer!.Offers).Facts["public"]);
    }

    public void Dispose() => _policy.Dispose();

    /// <summary>A catalog holding one Node with labels, as catalog.kubernetes would publish it.</summary>
    private sealed class LabelledNode(string name, IReadOnlyDictionary<string, string> labels) : IServiceCatalog
    {
        public CatalogSnapshot Current { get; } = CatalogSnapshot.Empty with
        {
            Nodes = new Dictionary<string, MeshNode> { [name] = new MeshNode(name, [], [], labels) },
        };

        public event Action<CatalogSnapshot>? Changed { add { } remove { } }
    }
}
