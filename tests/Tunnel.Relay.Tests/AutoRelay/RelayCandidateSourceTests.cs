using PluginMesh.P2p;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.AutoRelay;

public sealed class RelayCandidateSourceTests
{
    private const string Self = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
    private const string R1 = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
    private const string R2 = "12D3KooWEkgRTTXGsmFLBembMHxVPDcidJyqFcrqbm9iBE1xhdXq";
    private const string Plain = "12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq";
    private static readonly string Lan2 = PluginMesh.P2p.Crypto.PrivateKey.Generate().PeerId.ToString();
    private static readonly Dictionary<string, string> Zone = new() { ["zone"] = "shop-1" };

    [Fact]
    public void Gather_MergesConfigDirectoryRelaysAndLanPeers_WithoutSelfOrDuplicates()
    {
        var directory = new StaticDirectory(
        [
            Record(R1, ["relay"], ["/ip4/10.0.0.1/tcp/4001"]),
            Record(Plain, ["dns"], ["/ip4/10.0.0.9/tcp/4001"]),
            Record(Self, ["relay"], ["/ip4/10.0.0.5/tcp/4001"]),
        ]);
        // Two LAN peers without a record: R2's connection lists the hop protocol, Lan2's does not (not a relay).
        var lan = new StaticDiscovery(
        [
            new DiscoveredPeer(PeerId.Parse(R2), [Multiaddr.Parse($"/ip4/192.168.1.2/tcp/4001/p2p/{R2}")], "mdns", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(2)),
            new DiscoveredPeer(PeerId.Parse(Lan2), [Multiaddr.Parse($"/ip4/192.168.1.3/tcp/4001/p2p/{Lan2}")], "mdns", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(2)),
        ]);
        var source = new RelayCandidateSource([Multiaddr.Parse($"/dns4/relay/tcp/4001/p2p/{R1}")], directory, [lan], PeerId.Parse(Self), servesHop: p => p == PeerId.Parse(R2));

        var found = source.Gather().ToDictionary(c => c.Relay.PeerId.ToString());
        Assert.Equal([R1, R2], found.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("config", found[R1].Source);
        Assert.Equal($"/dns4/relay/tcp/4001/p2p/{R1}", found[R1].Relay.Address.ToString());
        Assert.Equal("mdns", found[R2].Source);
    }

    [Fact]
    public void Gather_DirectoryRelay_AddsPeerIdToItsAddressAndKeepsLabels()
    {
        var source = new RelayCandidateSource([], new StaticDirectory([Record(R1, ["relay"], ["/ip4/10.0.0.1/tcp/4001"])]), [], PeerId.Parse(Self));
        var c = Assert.Single(source.Gather());
        Assert.Equal($"/ip4/10.0.0.1/tcp/4001/p2p/{R1}", c.Relay.Address.ToString());
        Assert.Equal("shop-1", c.Labels["zone"]);
    }

    [Fact]
    public void Gather_DirectoryRelay_KeepsEveryAddressAnotherNodeCouldDial_LoopbackAndLinkLocalDropped()
    {
        // What a relay's record listed in the six-agent mesh: loopback first, then public, pod gateway, the DNS address.
        var record = Record(R1, ["relay"], ["/ip4/127.0.0.1/tcp/4001", "/ip4/203.0.113.7/tcp/4001", "/ip4/10.244.0.1/tcp/4001", "/ip4/169.254.96.16/tcp/4001"]);
        var c = Assert.Single(new RelayCandidateSource([], new StaticDirectory([record]), [], PeerId.Parse(Self)).Gather());
        Assert.Equal($"/ip4/203.0.113.7/tcp/4001/p2p/{R1}", c.Relay.Address.ToString());
        Assert.Equal([$"/ip4/203.0.113.7/tcp/4001/p2p/{R1}", $"/ip4/10.244.0.1/tcp/4001/p2p/{R1}"], c.Relay.Target.Addresses!.Select(a => a.ToString()));
    }

    [Fact]
    public void Gather_AddressesFromEverySourceJoin_ConfiguredFirst()
    {
        var lan = new StaticDiscovery([new DiscoveredPeer(PeerId.Parse(R1), [Multiaddr.Parse($"/ip4/192.168.1.2/tcp/4001/p2p/{R1}")], "mdns", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(2))]);
        var directory = new StaticDirectory([Record(R1, ["relay"], ["/ip4/10.0.0.1/tcp/4001"])]);
        var c = Assert.Single(new RelayCandidateSource([Multiaddr.Parse($"/dns4/relay/tcp/4001/p2p/{R1}")], directory, [lan], PeerId.Parse(Self)).Gather());
        Assert.Equal("config", c.Source);
        Assert.Equal([$"/dns4/relay/tcp/4001/p2p/{R1}", $"/ip4/10.0.0.1/tcp/4001/p2p/{R1}", $"/ip4/192.168.1.2/tcp/4001/p2p/{R1}"],
            c.Relay.Target.Addresses!.Select(a => a.ToString()));
    }

    [Fact]
    public void Gather_RelayOnlyOnLoopback_KeepsLoopback_ARecordWithoutAddressesGivesTheBarePeerId()
    {
        var directory = new StaticDirectory([Record(R1, ["relay"], ["/ip4/127.0.0.1/tcp/4001", "/ip4/169.254.96.16/tcp/4001"]), Record(R2, ["relay"], [])]);
        var found = new RelayCandidateSource([], directory, [], PeerId.Parse(Self)).Gather().ToDictionary(c => c.Relay.PeerId.ToString());
        Assert.Equal([$"/ip4/127.0.0.1/tcp/4001/p2p/{R1}"], found[R1].Relay.Target.Addresses!.Select(a => a.ToString()));
        Assert.True(found[R2].Relay.IsBarePeerId);
    }

    [Fact]
    public void Gather_LoadFromTheRecordsRelayOffer_WhateverTheSource_LanPeerWithARelayRecordCounts()
    {
        var r1 = Record(R1, [], ["/ip4/10.0.0.1/tcp/4001"]) with { Offers = RelayOffer(0.7) };
        var lan = new StaticDiscovery([new DiscoveredPeer(PeerId.Parse(R2), [Multiaddr.Parse($"/ip4/192.168.1.2/tcp/4001/p2p/{R2}")], "mdns", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(2))]);
        // R2's record is expired from the directory's list but still resolves (offline), and offers relay.
        var directory = new ResolvingDirectory([r1], Record(R2, [], []) with { Offers = RelayOffer(0.2) });
        var found = new RelayCandidateSource([Multiaddr.Parse($"/ip4/10.0.0.1/tcp/4001/p2p/{R1}")], directory, [lan], PeerId.Parse(Self)).Gather().ToDictionary(c => c.Relay.PeerId.ToString());
        Assert.Equal(("config", 0.7), (found[R1].Source, found[R1].Load));
        Assert.Equal(("mdns", 0.2), (found[R2].Source, found[R2].Load));
    }

    [Fact]
    public void Gather_NodesWhoseAgentOffersRelayOnTheApi_AreCandidates()
    {
        var catalog = new NodesCatalog(
            new MeshNode("edge-1", [], [], new Dictionary<string, string> { ["zone"] = "a" }, new NodeAgent(PeerId.Parse(R1), [Multiaddr.Parse("/ip4/10.0.0.1/tcp/4001"), Multiaddr.Parse($"/ip4/10.0.0.9/tcp/4001/p2p/{R2}/p2p-circuit")], true)),
            new MeshNode("edge-2", [], [], null, new NodeAgent(PeerId.Parse(Plain), [Multiaddr.Parse("/ip4/10.0.0.2/tcp/4001")], false)));
        var c = Assert.Single(new RelayCandidateSource([], null, [], PeerId.Parse(Self), catalog).Gather());
        Assert.Equal(($"/ip4/10.0.0.1/tcp/4001/p2p/{R1}", "api", "a"), (c.Relay.Address.ToString(), c.Source, c.Labels["zone"]));
    }

    private static Dictionary<string, IReadOnlyDictionary<string, double>> RelayOffer(double load) =>
        new() { ["relay"] = new Dictionary<string, double> { ["load"] = load } };

    private sealed class ResolvingDirectory(IReadOnlyList<NodeRecord> records, NodeRecord alsoResolves) : INodeDirectory
    {
        public IReadOnlyList<NodeRecord> Records => records;

        public IReadOnlyList<NodeNameConflict> Conflicts => [];

        public event Action<NodeRecord>? Changed { add { } remove { } }

        public NodeRecord? Resolve(string nodeName) => null;

        public NodeRecord? ResolvePeer(PeerId peerId) => records.Append(alsoResolves).FirstOrDefault(r => r.PeerId == peerId);
    }

    private sealed class NodesCatalog(params MeshNode[] nodes) : IServiceCatalog
    {
        public CatalogSnapshot Current { get; } = CatalogSnapshot.Empty with { Nodes = nodes.ToDictionary(n => n.Name) };

        public event Action<CatalogSnapshot>? Changed { add { } remove { } }
    }

    private static NodeRecord Record(string peer, IReadOnlyList<string> caps, IReadOnlyList<string> addrs) =>
        new("node-" + peer[^4..], PeerId.Parse(peer), [.. addrs.Select(Multiaddr.Parse)], [], caps, 1, DateTimeOffset.MaxValue, Zone);
}
