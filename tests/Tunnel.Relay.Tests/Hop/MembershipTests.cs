using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Hop;

/// <summary>
/// Attack: who gets member limits on a relay. Over real libp2p connections with a PSK: a PSK holder
/// bound to a node name is a member, an unbound PSK holder an outsider, a peer without the key does not
/// get a connection at all, and without a PSK (open mesh) nobody is a member whatever the catalog says.
/// </summary>
[Trait("Category", "Attack")]
public sealed class MembershipTests
{
    private static readonly RelayOptions Bound = new() { Relay = RelayOfferMode.Always };
    private static readonly Limit OutsiderLimit = new() { Duration = 120, Data = 131072 };

    private static MeshNode BoundNode(string name, PeerId peer) => new(name, [], [], Agent: new NodeAgent(peer, [], false));

    [Fact]
    public async Task Reserve_WithPsk_BoundHolderIsMember_UnboundHolderIsOutsider_KeylessPeerCannotConnect()
    {
        var ct = TestTimeout.Token();
        var psk = RelayNode.NewSwarmKey();
        try
        {
            var catalog = new SnapshotCatalog();
            await using var bound = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never }, pskFile: psk);
            await using var unbound = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never }, pskFile: psk);
            await using var keyless = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
            await using var relay = await RelayNode.StartAsync(Bound, Reachability.Public, pskFile: psk, catalog: catalog);
            catalog.PublishNodes(BoundNode("node-a", bound.PeerId));

            var reserve = new HopMessage { Type = HopMessageType.Reserve };
            var member = await HopServiceTests.RequestAsync(bound, relay, reserve, ct);
            Assert.Equal(Status.Ok, member.Status);
            Assert.Null(member.Limit);
            var outsider = await HopServiceTests.RequestAsync(unbound, relay, reserve, ct);
            Assert.Equal(Status.Ok, outsider.Status);
            Assert.Equal(OutsiderLimit, outsider.Limit);

            var opened = await keyless.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: relay.PeerId, Addresses: [relay.Address]), RelayProtocols.Hop, ct);
            Assert.False(opened.Ok);
            Assert.DoesNotContain(relay.Service.Hop!.Reservations, r => r.PeerId == keyless.PeerId);
            Assert.Equal([bound.PeerId], relay.Service.Hop.Reservations.Where(r => r.Member).Select(r => r.PeerId));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(psk)!, recursive: true);
        }
    }

    [Fact]
    public async Task Reserve_OpenMesh_BoundPeerIsStillAnOutsider()
    {
        var ct = TestTimeout.Token();
        var catalog = new SnapshotCatalog();
        await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        await using var relay = await RelayNode.StartAsync(Bound, Reachability.Public, catalog: catalog);
        catalog.PublishNodes(BoundNode("node-a", client.PeerId));
        Assert.Equal(OutsiderLimit, (await HopServiceTests.RequestAsync(client, relay, new HopMessage { Type = HopMessageType.Reserve }, ct)).Limit);
    }

    /// <summary>Which directory records bind (the relay runs with a PSK, so only binding decides).</summary>
    [Theory]
    [InlineData(RecordSource.Api, -10, false, true)]
    [InlineData(RecordSource.CachedApi, -10, false, true)]
    [InlineData(RecordSource.Gossip, 600, false, true)]     // an island that never saw an API binding: first claim
    [InlineData(RecordSource.Gossip, -1, false, false)]     // expired self-signed record: never
    [InlineData(RecordSource.Gossip, 600, true, false)]     // API bindings exist, this name has none
    public async Task IsMember_DirectoryRecord_BindsOnlyFromTheApiOrAnUnexpiredIslandClaim(RecordSource source, int expiresInSeconds, bool apiBindingsElsewhere, bool member)
    {
        var psk = RelayNode.NewSwarmKey();
        try
        {
            var time = new ManualTimeProvider();
            var peer = ReservationTableTests.NewPeer();
            var directory = new ListDirectory(time, ListDirectory.Record("node-a", peer, time.GetUtcNow().AddSeconds(expiresInSeconds), source));
            var catalog = new SnapshotCatalog();
            if (apiBindingsElsewhere) catalog.PublishNodes(BoundNode("node-b", ReservationTableTests.NewPeer()));
            await using var node = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never }, Reachability.Private, pskFile: psk);
            var membership = new Membership(MembershipMode.Bound, new HashSet<PeerId>(), directory, catalog, node.Network, time);
            Assert.Equal(member, membership.IsMember(peer));
            Assert.False(new Membership(MembershipMode.Bound, new HashSet<PeerId>(), directory, catalog, null, time).IsMember(peer));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(psk)!, recursive: true);
        }
    }
}
