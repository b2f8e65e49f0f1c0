using PluginMesh.P2p;
using System.Text;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Relay.AutoRelay;
using PluginMesh.Plugins.Tunnel.Relay.Client;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Interop;

/// <summary>
/// The C# client half against a stock js-libp2p relay. Full connections through it need the tunnel
/// to upgrade circuits (IPeerNetwork, not there yet), so the dial test stops at js's multistream header.
/// </summary>
[Collection(JsCollection.Name)]
public sealed class JsRelayClientTests(JsRelayFixture js)
{
    private static readonly RelayOptions ClientOnly = new() { Relay = RelayOfferMode.Never, AutoRelay = AutoRelayMode.Off };

    [Fact]
    public async Task Client_ReservesOnJsRelay_ParsesExpiryAddressesVoucherAndLimit()
    {
        var ct = TestTimeout.Token(120);
        await using var relay = JsProcess.Start(js, "relay");
        var ready = await relay.NextAsync("ready", ct);
        var relayId = ready.GetProperty("peerId").GetString()!;
        var relayAddr = ready.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!).First(a => a.Contains("/tcp/", StringComparison.Ordinal));
        if (!relayAddr.Contains("/p2p/", StringComparison.Ordinal)) relayAddr += "/p2p/" + relayId;

        await using var b = await RelayNode.StartAsync(ClientOnly with { Reserve = [Multiaddr.Parse(relayAddr)] }, Reachability.Private);
        await Eventually.TrueAsync(() => b.Service.Reservations!.Reservations.Count == 1, "reserved on the js relay");
        var r = b.Service.Reservations!.Reservations[0];
        Assert.Equal(relayId, r.RelayPeerId.ToString());
        Assert.InRange(r.Expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(100), TimeSpan.FromMinutes(125));
        Assert.Equal(131072, r.LimitBytes);
        Assert.Contains(Multiaddr.Parse($"{relayAddr}/p2p-circuit/p2p/{b.PeerId}"), r.CircuitAddresses);
        Assert.Contains($"{relayAddr}/p2p-circuit/p2p/{b.PeerId}", b.Network!.Announced(ReservationManager.AnnounceSource));

        var voucher = Voucher.TryOpen(r.Voucher, out var envelope);
        Assert.Equal(b.PeerId.Multihash.ToArray(), voucher!.Peer);
        Assert.Equal(PeerId.Parse(relayId).Multihash.ToArray(), voucher.Relay);
        var signed = Voucher.SignedBytes(envelope!.PayloadType, envelope.Payload);
        Assert.True(PluginMesh.P2p.Crypto.PublicKey.FromProtobuf(envelope.PublicKey).Verify(signed, envelope.Signature, out var reason), reason);
    }

    [Fact]
    public async Task Client_DialsJsPeerThroughJsRelay_ReachesItsMultistream()
    {
        var ct = TestTimeout.Token(120);
        await using var relay = JsProcess.Start(js, "relay");
        var ready = await relay.NextAsync("ready", ct);
        var relayId = ready.GetProperty("peerId").GetString()!;
        var relayAddr = ready.GetProperty("addrs").EnumerateArray().Select(a => a.GetString()!).First(a => a.Contains("/tcp/", StringComparison.Ordinal));
        if (!relayAddr.Contains("/p2p/", StringComparison.Ordinal)) relayAddr += "/p2p/" + relayId;
        await using var b = JsProcess.Start(js, "reserve", "--relay", relayAddr);
        var target = (await b.NextAsync("ready", ct)).GetProperty("peerId").GetString()!;
        await using var a = await RelayNode.StartAsync(ClientOnly);

        await using var connection = await new CircuitTransport(a.Tunnel).DialAsync(Multiaddr.Parse($"{relayAddr}/p2p-circuit/p2p/{target}"), ct).Connected();
        // The circuit is raw: js B, the listener, waits for our multistream header and echoes it.
        var header = Encoding.ASCII.GetBytes("/multistream/1.0.0\n");
        await connection.Stream.WriteAsync((byte[])[(byte)header.Length, .. header], ct);
        var back = new byte[1 + header.Length];
        await connection.Stream.ReadExactlyAsync(back, ct);
        Assert.Equal("/multistream/1.0.0\n", Encoding.ASCII.GetString(back, 1, header.Length));
    }
}
