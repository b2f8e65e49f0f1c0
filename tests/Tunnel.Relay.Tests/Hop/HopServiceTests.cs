using PluginMesh.P2p;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Hop;

/// <summary>Refusals of the hop service over real libp2p connections, from a raw C# client.</summary>
public sealed class HopServiceTests
{
    private static readonly RelayOptions Offering = new() { Relay = RelayOfferMode.Always, Members = MembershipMode.All };

    // Status is internal to the plugin, so the table carries its wire number.
    public static TheoryData<byte[], int> BadRequests => new()
    {
        { [0x00], (int)Status.MalformedMessage },                                   // empty message: no type
        { [0x02, 0x0A, 0x05], (int)Status.MalformedMessage },                       // protobuf cut inside a field
        { [0x80, 0x40], (int)Status.MalformedMessage },                             // 8 KiB announced: over the limit
        { [0x02, 0x08, 0x02], (int)Status.UnexpectedMessage },                      // STATUS is not a request
        { [0x02, 0x08, 0x01], (int)Status.MalformedMessage },                       // CONNECT without peer
        { [0x06, 0x08, 0x01, 0x12, 0x02, 0x0A, 0x00], (int)Status.MalformedMessage }, // CONNECT with an empty peer id
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Hop_BadRequest_AnswersStatusAndKeepsServing(byte[] request, int expected)
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(Offering);
        await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });

        await using (var stream = await OpenHopAsync(client, relay, ct))
        {
            await stream.Stream.WriteAsync(request, ct);
            var answer = await RelayCodec.ReadAsync(stream.Stream, HopMessage.Parse, ct);
            Assert.Equal(HopMessageType.Status, answer!.Type);
            Assert.Equal((Status)expected, answer.Status);
        }
        // The relay survived and still serves a well-formed request.
        Assert.Equal(Status.Ok, (await RequestAsync(client, relay, new HopMessage { Type = HopMessageType.Reserve }, ct)).Status);
    }

    [Fact]
    public async Task Hop_Reserve_AnswersOkWithVoucherAddressesAndNoLimitForMembers()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(Offering);
        await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });

        var answer = await RequestAsync(client, relay, new HopMessage { Type = HopMessageType.Reserve }, ct);
        Assert.Equal(Status.Ok, answer.Status);
        Assert.Null(answer.Limit);
        Assert.Contains(relay.Address, answer.Reservation!.Addrs.Select(a => Multiaddr.FromBytes(a)));
        var voucher = Voucher.TryOpen(answer.Reservation.Voucher, out _);
        Assert.Equal(client.PeerId.Multihash.ToArray(), voucher!.Peer);
        Assert.Equal(answer.Reservation.Expire, voucher.Expiration);
    }

    [Fact]
    public async Task Hop_ReserveAsOutsider_CarriesTheOutsiderLimitInSeconds()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Always, Members = MembershipMode.None });
        await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });

        var answer = await RequestAsync(client, relay, new HopMessage { Type = HopMessageType.Reserve }, ct);
        Assert.Equal(new Limit { Duration = 120, Data = 131072 }, answer.Limit);
    }

    [Fact]
    public async Task Hop_ConnectToPeerWithoutReservation_IsNoReservation()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(Offering);
        await using var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        var connect = new HopMessage { Type = HopMessageType.Connect, Peer = new Peer { Id = relay.PeerId.Multihash.ToArray() } };

        Assert.Equal(Status.NoReservation, (await RequestAsync(client, relay, connect, ct)).Status);
    }

    [Fact]
    public async Task Hop_ReservationsOverPerIpLimit_AreRefused()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(Offering with { Limits = new HopLimits { MaxReservationsPerIp = 1 } });
        await using var first = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        await using var second = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        var reserve = new HopMessage { Type = HopMessageType.Reserve };

        Assert.Equal(Status.Ok, (await RequestAsync(first, relay, reserve, ct)).Status);
        Assert.Equal(Status.ReservationRefused, (await RequestAsync(second, relay, reserve, ct)).Status);
        // A refresh by the holder is not a new reservation.
        Assert.Equal(Status.Ok, (await RequestAsync(first, relay, reserve, ct)).Status);
    }

    [Fact]
    public async Task Start_AlwaysWithoutLocalPeer_FailsNamingTheMissingService()
    {
        var e = await Assert.ThrowsAsync<PluginMeshException>(() => RelayNode.StartAsync(Offering, withLocalPeer: false));
        Assert.Contains("ILocalPeer", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("[tunnel.relay] start hop service", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AutoWithoutLocalPeer_RunsAsClientOnly()
    {
        await using var node = await RelayNode.StartAsync(new RelayOptions(), Reachability.Public, withLocalPeer: false);
        Assert.Null(node.Service.Hop);
        Assert.False(node.Service.HopOffered);
    }

    [Fact]
    public async Task Offer_AutoWithoutElectionPolicy_FollowsReachability()
    {
        await using var node = await RelayNode.StartAsync(new RelayOptions { ElectionSettle = TimeSpan.Zero }, Reachability.Unknown);
        Assert.False(node.Service.HopOffered);
        node.Network!.SetReachability(Reachability.Public);
        await Eventually.TrueAsync(() => node.Service.HopOffered, "offered once public");
        Assert.Equal("autonat", node.Service.Election.Current!.Cause);
        node.Network.SetReachability(Reachability.Private);
        await Eventually.TrueAsync(() => !node.Service.HopOffered, "withdrawn once private");
    }

    [Fact]
    public async Task Hop_ReservingPeerDisconnects_ReservationIsDroppedAndConnectSaysNoReservation()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(new RelayOptions { Members = MembershipMode.All }, Reachability.Public);
        await using var other = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        var client = await RelayNode.StartAsync(new RelayOptions { Relay = RelayOfferMode.Never });
        var clientId = client.PeerId;
        Assert.Equal(Status.Ok, (await RequestAsync(client, relay, new HopMessage { Type = HopMessageType.Reserve }, ct)).Status);
        Assert.Single(relay.Service.Hop!.Reservations);

        await client.DisposeAsync();
        await Eventually.TrueAsync(() => relay.Service.Hop.Reservations.Count == 0, "reservation dropped with the connection");
        var connect = new HopMessage { Type = HopMessageType.Connect, Peer = new Peer { Id = clientId.Multihash.ToArray() } };
        Assert.Equal(Status.NoReservation, (await RequestAsync(other, relay, connect, ct)).Status);
    }

    private static async Task<IMeshStream> OpenHopAsync(RelayNode client, RelayNode relay, CancellationToken ct) =>
        await client.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: relay.PeerId, Addresses: [relay.Address]), RelayProtocols.Hop, ct).Opened();

    private static async Task<HopMessage> RequestAsync(RelayNode client, RelayNode relay, HopMessage request, CancellationToken ct)
    {
        await using var stream = await OpenHopAsync(client, relay, ct);
        await RelayCodec.WriteAsync(stream.Stream, request, ct);
        return (await RelayCodec.ReadAsync(stream.Stream, HopMessage.Parse, ct))!;
    }
}
