namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>
/// The client half of <c>/hop</c>: RESERVE and CONNECT requests to one relay. A relay that cannot be
/// reached, answers with a refusal or resets the exchange is an expected outcome: a value for CONNECT
/// (path choice hands it to the failover policy), a <see cref="TunnelException"/> for RESERVE (autorelay
/// counts it against the relay).
/// </summary>
internal static class HopClient
{
    /// <summary>Reserves on the relay at <paramref name="relay"/>; a refusal is a <see cref="TunnelException"/> (RelayRefused).</summary>
    public static async Task<ClientReservation> ReserveAsync(IMeshTunnel tunnel, CircuitAddressRelay relay, CancellationToken cancellationToken)
    {
        var opened = await tunnel.OpenStreamAsync(relay.Target, RelayProtocols.Hop, cancellationToken).ConfigureAwait(false);
        if (!opened.Ok) throw new TunnelException(opened.Failure, opened.Error);
        var stream = opened.Stream;
        await using (stream.ConfigureAwait(false))
        {
            await RelayCodec.WriteAsync(stream.Stream, new HopMessage { Type = HopMessageType.Reserve }, cancellationToken).ConfigureAwait(false);
            var (answer, failure, error) = await ReadStatusAsync(stream, relay, "reserve", cancellationToken).ConfigureAwait(false);
            if (answer is null) throw new TunnelException(failure, error!);
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

    /// <summary>Asks the relay to connect us to <paramref name="target"/>: the open stream, now a raw circuit, or why there is none.</summary>
    public static async Task<OpenStreamResult> ConnectAsync(IMeshTunnel tunnel, CircuitAddressRelay relay, PeerId target, CancellationToken cancellationToken)
    {
        var opened = await tunnel.OpenStreamAsync(relay.Target, RelayProtocols.Hop, cancellationToken).ConfigureAwait(false);
        if (!opened.Ok) return opened;
        var stream = opened.Stream;
        OpenStreamResult refused;
        try
        {
            await RelayCodec.WriteAsync(stream.Stream, new HopMessage
            {
                Type = HopMessageType.Connect,
                Peer = new Peer { Id = target.Multihash.ToArray() },
            }, cancellationToken).ConfigureAwait(false);
            var (answer, failure, error) = await ReadStatusAsync(stream, relay, "connect to " + target, cancellationToken).ConfigureAwait(false);
            if (answer is not null) return opened;
            refused = OpenStreamResult.Failed(failure, error!);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The relay (or its side of the stream) went away in the middle of the exchange.
            refused = OpenStreamResult.Failed(TunnelFailure.Reset, $"[tunnel.relay] connect to {target} via {relay.PeerId}: {e.Message}");
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        stream.Reset();
        await stream.DisposeAsync().ConfigureAwait(false);
        return refused;
    }

    /// <summary>The relay's OK answer, or (null, why) for a refusal, a malformed answer or a closed stream.</summary>
    private static async Task<(HopMessage? Answer, TunnelFailure Failure, string? Error)> ReadStatusAsync(IMeshStream stream, CircuitAddressRelay relay, string what, CancellationToken cancellationToken)
    {
        HopMessage? answer;
        try
        {
            answer = await RelayCodec.ReadAsync(stream.Stream, HopMessage.Parse, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayMessageException e)
        {
            return (null, TunnelFailure.RelayRefused, $"[tunnel.relay] {what} via {relay.PeerId}: bad answer: {e.Message}");
        }
        if (answer is null) return (null, TunnelFailure.Reset, $"[tunnel.relay] {what} via {relay.PeerId}: relay closed the stream");
        if (answer.Type == HopMessageType.Status && answer.Status == Status.Ok) return (answer, default, null);
        // An absent status reads as its default, UNUSED, as protobuf reads it.
        var status = answer.Status ?? Status.Unused;
        var failure = status == Status.ConnectionFailed ? TunnelFailure.Refused : TunnelFailure.RelayRefused;
        return (null, failure, $"[tunnel.relay] {what} via {relay.PeerId}: relay answered {StatusNames.Wire(status)}");
    }
}
