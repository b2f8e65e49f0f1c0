using Google.Protobuf;
using PluginMesh.Abstractions.Tunnel;
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
            await RelayCodec.WriteAsync(stream.Stream, new HopMessage { Type = HopMessage.Types.Type.Reserve }, cancellationToken).ConfigureAwait(false);
            var answer = await ReadStatusAsync(stream, relay, "reserve", cancellationToken).ConfigureAwait(false);
            if (answer.Reservation is not { HasExpire: true } rsvp)
                throw new TunnelException(TunnelFailure.RelayRefused, $"[tunnel.relay] reserve on {relay.PeerId}: OK without a reservation");
            var self = tunnel.LocalPeerId;
            var addrs = new List<string>();
            foreach (var raw in rsvp.Addrs)
            {
                if (MultiaddrCodec.TryDecode(raw.Span) is not { } text) continue;
                if (!text.EndsWith("/p2p/" + relay.PeerId, StringComparison.Ordinal)) text += "/p2p/" + relay.PeerId;
                addrs.Add(CircuitAddress.For(text, self));
            }
            // The address we reached the relay on works too, and is the only one when the relay sent none.
            if (!relay.Address.StartsWith("/p2p/", StringComparison.Ordinal)) addrs.Add(CircuitAddress.For(relay.Address, self));
            return new ClientReservation(
                relay.PeerId,
                relay.Address,
                DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(rsvp.Expire, (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())),
                [.. addrs.Distinct(StringComparer.Ordinal)],
                answer.Limit is { HasDuration: true } l ? TimeSpan.FromSeconds(l.Duration) : null,
                answer.Limit is { HasData: true } d ? (long)Math.Min(d.Data, long.MaxValue) : null,
                rsvp.HasVoucher ? rsvp.Voucher.ToByteArray() : null);
        }
    }

    /// <summary>Asks the relay to connect us to <paramref name="target"/>; returns the open stream, now a raw circuit.</summary>
    public static async Task<IMeshStream> ConnectAsync(IMeshTunnel tunnel, CircuitAddressRelay relay, string target, CancellationToken cancellationToken)
    {
        var id = PeerIds.ToBytes(target) ?? throw new ArgumentException($"[tunnel.relay] dial: '{target}' is not a PeerId", nameof(target));
        var stream = await tunnel.OpenStreamAsync(relay.Target, RelayProtocols.Hop, cancellationToken).ConfigureAwait(false);
        try
        {
            await RelayCodec.WriteAsync(stream.Stream, new HopMessage
            {
                Type = HopMessage.Types.Type.Connect,
                Peer = new Peer { Id = ByteString.CopyFrom(id) },
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
            answer = await RelayCodec.ReadAsync(stream.Stream, HopMessage.Parser, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayMessageException e)
        {
            throw new TunnelException(TunnelFailure.RelayRefused, $"[tunnel.relay] {what} via {relay.PeerId}: bad answer: {e.Message}");
        }
        if (answer is null) throw new TunnelException(TunnelFailure.Reset, $"[tunnel.relay] {what} via {relay.PeerId}: relay closed the stream");
        if (answer.Type != HopMessage.Types.Type.Status || answer.Status != Status.Ok)
        {
            var failure = answer.Status is Status.ResourceLimitExceeded or Status.ReservationRefused ? TunnelFailure.RelayRefused
                : answer.Status == Status.ConnectionFailed ? TunnelFailure.Refused
                : TunnelFailure.RelayRefused;
            throw RelayRefusal.Create(failure, answer.Status, $"[tunnel.relay] {what} via {relay.PeerId}: relay answered {StatusNames.Wire(answer.Status)}");
        }
        return answer;
    }
}
