using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>The client half of <c>/hop</c>: RESERVE and CONNECT requests to one relay.</summary>
internal static class HopClient
{
    /// <summary>Reserves on the relay at <paramref name="relay"/>; a refusal is a <see cref="TunnelException"/> (RelayRefused).</summary>
    public static async Task<ClientReservation> ReserveAsync(IMeshTunnel tunnel, CircuitAddressRelay relay, CancellationToken cancellationToken)
    {
        var stream = await tunnel.OpenStreamAsync(relay.Target, RelayProtocols.Hop, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await RelayCodec.WriteAsync(stream.Stream, new HopMessage { Type = HopMessageType.Reserve }, cancellationToken).ConfigureAwait(false);
            var answer = await ReadStatusAsync(stream, relay, "reserve", cancellationToken).ConfigureAwait(false);
            if (answer.Reservation is not { Expire: { } expire } rsvp)
                throw new TunnelException(TunnelFailure.RelayRefused, $"[tunnel.relay] reserve on {relay.PeerId}: OK without a reservation");
            var self = tunnel.LocalPeerId;
            var addrs = new List<Multiaddr>();
            foreach (var raw in rsvp.Addrs)
            {
                if (!Multiaddr.TryFromBytes(raw, out var address)) continue;
                if (address!.Components[^1].PeerId != relay.PeerId) address = address.Encapsulate(MultiaddrComponent.Of(relay.PeerId));
                addrs.Add(Multiaddr.Circuit(address, self));
            }
            // The address we reached the relay on works too, and is the only one when the relay sent none.
            if (!relay.IsBarePeerId) addrs.Add(Multiaddr.Circuit(relay.Address, self));
            return new ClientReservation(
                relay.PeerId,
                relay.Address,
                DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(expire, (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())),
                [.. addrs.Distinct()],
                answer.Limit?.Duration is { } duration ? TimeSpan.FromSeconds(duration) : null,
                answer.Limit?.Data is { } data ? (long)Math.Min(data, long.MaxValue) : null,
                rsvp.Voucher);
        }
    }

    /// <summary>Asks the relay to connect us to <paramref name="target"/>; returns the open stream, now a raw circuit.</summary>
    public static async Task<IMeshStream> ConnectAsync(IMeshTunnel tunnel, CircuitAddressRelay relay, PeerId target, CancellationToken cancellationToken)
    {
        var stream = await tunnel.OpenStreamAsync(relay.Target, RelayProtocols.Hop, cancellationToken).ConfigureAwait(false);
        try
        {
            await RelayCodec.WriteAsync(stream.Stream, new HopMessage
            {
                Type = HopMessageType.Connect,
                Peer = new Peer { Id = target.Multihash.ToArray() },
            }, cancellationToken).ConfigureAwait(false);
            await ReadStatusAsync(stream, relay, "connect to " + target, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<HopMessage> ReadStatusAsync(IMeshStream stream, CircuitAddressRelay relay, string what, CancellationToken cancellationToken)
    {
        HopMessage? answer;
        try
        {
            answer = await RelayCodec.ReadAsync(stream.Stream, HopMessage.Parse, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayMessageException e)
        {
            throw new TunnelException(TunnelFailure.RelayRefused, $"[tunnel.relay] {what} via {relay.PeerId}: bad answer: {e.Message}");
        }
        if (answer is null) throw new TunnelException(TunnelFailure.Reset, $"[tunnel.relay] {what} via {relay.PeerId}: relay closed the stream");
        if (answer.Type != HopMessageType.Status || answer.Status != Status.Ok)
        {
            // An absent status reads as its default, UNUSED, as protobuf reads it.
            var status = answer.Status ?? Status.Unused;
            var failure = status is Status.ResourceLimitExceeded or Status.ReservationRefused ? TunnelFailure.RelayRefused
                : status == Status.ConnectionFailed ? TunnelFailure.Refused
                : TunnelFailure.RelayRefused;
            throw RelayRefusal.Create(failure, status, $"[tunnel.relay] {what} via {relay.PeerId}: relay answered {StatusNames.Wire(status)}");
        }
        return answer;
    }
}
