using PluginMesh.P2p;
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
        var lan = new StaticDiscovery([new DiscoveredPeer(PeerId.Parse(R2), [Multiaddr.Parse($"/ip4/192.168.1.2/tcp/4001/p2p/{R2}")], "mdns", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(2))]);
        var source = new RelayCandidateSource([Multiaddr.Parse($"/dns4/relay/tcp/4001/p2p/{R1}")], directory, [lan], PeerId.Parse(Self));

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

    private static NodeRecord Record(string peer, IReadOnlyList<string> caps, IReadOnlyList<string> addrs) =>
        new("node-" + peer[^4..], PeerId.Parse(peer), [.. addrs.Select(Multiaddr.Parse)], [], caps, 1, DateTimeOffset.MaxValue, Zone);
}
