using PluginMesh.P2p;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Hop;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Client;

/// <summary>
/// The client half (reservation, STOP, circuit transport) between real libp2p nodes through a C#
/// relay. The tunnel does not implement IPeerNetwork yet, so the target uses the in-test double:
/// the inbound circuit is echoed raw instead of being upgraded with Noise and Yamux.
/// </summary>
public sealed class CircuitClientTests
{
    private static readonly RelayOptions RelayOn = new() { Relay = RelayOfferMode.Always, Members = MembershipMode.All };
    private static readonly RelayOptions ClientOnly = new() { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off };

    [Fact]
    public async Task Reserve_ThenDialThroughCircuitTransport_EchoesAndAnnouncesTheCircuitAddress()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(RelayOn);
        await using var b = await RelayNode.StartAsync(ClientOnly with { Reserve = [relay.Address] }, Reachability.Private);
        await using var a = await RelayNode.StartAsync(ClientOnly);
        var circuit = $"{relay.Address}/p2p-circuit/p2p/{b.PeerId}";
        await Eventually.TrueAsync(() => b.Network!.Announced(ReservationManager.AnnounceSource).Contains(circuit), "circuit address announced");

        var transport = new CircuitTransport(a.Tunnel);
        Assert.True(transport.CanDial(Multiaddr.Parse(circuit)));
        await using var connection = await transport.DialAsync(Multiaddr.Parse(circuit), ct).Connected();
        Assert.Equal(circuit, connection.RemoteAddress.ToString());
        Assert.Equal(1024 * 1024, await EchoCheck.RunAsync(connection.Stream, () => ((RelayedConnection)connection).CloseWriteAsync(ct), 1024 * 1024, ct));

        var inbound = Assert.Single(b.Network!.Inbound);
        Assert.Equal($"{relay.Address}/p2p-circuit/p2p/{a.PeerId}", inbound.RemoteAddress.ToString());
    }

    [Fact]
    public async Task Dial_TargetWithoutReservation_IsRelayRefusedWithTheStatus()
    {
        var ct = TestTimeout.Token();
        await using var relay = await RelayNode.StartAsync(RelayOn);
        await using var a = await RelayNode.StartAsync(ClientOnly);

        var dialed = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse($"{relay.Address}/p2p-circuit/p2p/{a.PeerId}"), ct);
        Assert.False(dialed.Ok);
        Assert.Equal(TunnelFailure.RelayRefused, dialed.Failure);
        Assert.EndsWith("relay answered NO_RESERVATION", dialed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dial_NotACircuitAddress_IsArgumentException()
    {
        await using var a = await RelayNode.StartAsync(ClientOnly);
        var transport = new CircuitTransport(a.Tunnel);
        Assert.False(transport.CanDial(a.Address));
        await Assert.ThrowsAsync<ArgumentException>(async () => await transport.DialAsync(a.Address, TestTimeout.Token()));
    }

    [Fact]
    public async Task Stop_FromARelayWeHoldNoReservationOn_IsPermissionDenied()
    {
        var ct = TestTimeout.Token();
        await using var b = await RelayNode.StartAsync(ClientOnly, Reachability.Private);
        await using var rogue = await RelayNode.StartAsync(ClientOnly);

        await using var stream = await rogue.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: b.PeerId, Addresses: [b.Address]), RelayProtocols.Stop, ct).Opened();
        await RelayCodec.WriteAsync(stream.Stream, new StopMessage
        {
            Type = StopMessageType.Connect,
            Peer = new Peer { Id = rogue.PeerId.Multihash.ToArray() },
        }, ct);
        var answer = await RelayCodec.ReadAsync(stream.Stream, StopMessage.Parse, ct);
        Assert.Equal(Status.PermissionDenied, answer!.Status);
        Assert.Empty(b.Network!.Inbound);
    }

    [Fact]
    public async Task Stop_AcceptStopDialed_FromARelayWeDialedIsAccepted_FromOneThatDialedUsIsNot()
    {
        var ct = TestTimeout.Token();
        await using var b = await RelayNode.StartAsync(ClientOnly with { AcceptStop = StopAcceptance.Dialed }, Reachability.Private);
        await using var dialed = await RelayNode.StartAsync(ClientOnly);
        await using var stranger = await RelayNode.StartAsync(ClientOnly);

        // b connects to `dialed` itself (as `p2p daemon` does on CONNECT); `stranger` connects to b.
        await (await b.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: dialed.PeerId, Addresses: [dialed.Address]), "/ipfs/ping/1.0.0", ct).Opened()).DisposeAsync();
        Assert.Equal(Status.Ok, await StopAsync(dialed, b, ct));
        Assert.Equal(Status.PermissionDenied, await StopAsync(stranger, b, ct));
        // The accepted circuit is handed to the network after the OK is written: wait for it, then it is the only one.
        await Eventually.TrueAsync(() => b.Network!.Inbound.Count > 0, "the accepted circuit handed to the network");
        Assert.Single(b.Network!.Inbound);
    }

    private static async Task<Status?> StopAsync(RelayNode relay, RelayNode target, CancellationToken ct)
    {
        await using var stream = await relay.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: target.PeerId, Addresses: [target.Address]), RelayProtocols.Stop, ct).Opened();
        await RelayCodec.WriteAsync(stream.Stream, new StopMessage
        {
            Type = StopMessageType.Connect,
            Peer = new Peer { Id = relay.PeerId.Multihash.ToArray() },
        }, ct);
        return (await RelayCodec.ReadAsync(stream.Stream, StopMessage.Parse, ct))!.Status;
    }

    [Fact]
    public async Task Stop_Malformed_IsAnsweredAndTheNodeKeepsWorking()
    {
        var ct = TestTimeout.Token();
        await using var b = await RelayNode.StartAsync(ClientOnly, Reachability.Private);
        await using var rogue = await RelayNode.StartAsync(ClientOnly);

        await using (var stream = await rogue.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: b.PeerId, Addresses: [b.Address]), RelayProtocols.Stop, ct).Opened())
        {
            await stream.Stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0x03 }, ct);
            var answer = await RelayCodec.ReadAsync(stream.Stream, StopMessage.Parse, ct);
            Assert.Equal(Status.MalformedMessage, answer!.Status);
        }
        await using var again = await rogue.Tunnel.OpenStreamAsync(new PeerTarget(PeerId: b.PeerId), RelayProtocols.Stop, ct).Opened();
        Assert.Equal(RelayProtocols.Stop, again.Protocol);
    }
}
