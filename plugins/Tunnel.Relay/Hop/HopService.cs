using PluginMesh.Plugins.Tunnel.Relay.Plugin;

namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>
/// The relay side of Circuit Relay v2: serves <c>/libp2p/circuit/relay/0.2.0/hop</c> (RESERVE and
/// CONNECT), opens <c>/stop</c> to the target over the tunnel and bridges the two streams.
/// Every refusal is a STATUS answer; no input makes an exception escape the handler.
/// </summary>
internal sealed class HopService(
    IMeshTunnel tunnel,
    ILocalPeer localPeer,
    HopLimits limits,
    CircuitLimit memberLimit,
    CircuitLimit outsiderLimit,
    Membership membership,
    RelayMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    private readonly ReservationTable _table = new(limits, time);
    private long _bytes;
    private long _upgraded;

    public IReadOnlyList<HopReservation> Reservations => _table.Snapshot();

    public int Circuits => _table.Circuits;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Circuits opened under outsider limits that went on under member limits (see <see cref="CircuitBridge"/>).</summary>
    public long UpgradedCircuits => Interlocked.Read(ref _upgraded);

    public IDisposable Register() => tunnel.RegisterHandler(RelayProtocols.Hop, HandleAsync);

    /// <summary>
    /// A reservation lives as long as the reserving peer's connection (spec): once it is gone the
    /// relay could not open STOP anyway, and CONNECT should say NO_RESERVATION, as js relays do.
    /// </summary>
    public void ForgetPeer(PeerId peerId) => _table.Remove(peerId);

    public async Task HandleAsync(IMeshStream stream, CancellationToken cancellationToken)
    {
        var peer = stream.Remote.PeerId;
        try
        {
            HopMessage? request;
            using (var first = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                first.CancelAfter(limits.HandshakeTimeout);
                try
                {
                    request = await RelayCodec.ReadAsync(stream.Stream, HopMessage.Parse, first.Token).ConfigureAwait(false);
                }
                catch (RelayMessageException e)
                {
                    await RefuseAsync(stream, "message", Status.MalformedMessage, e.Message, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            if (request is null) return;
            if (request.Type is not { } type)
            {
                await RefuseAsync(stream, "message", Status.MalformedMessage, "type missing", cancellationToken).ConfigureAwait(false);
                return;
            }
            switch (type)
            {
                case HopMessageType.Reserve:
                    await ReserveAsync(stream, cancellationToken).ConfigureAwait(false);
                    break;
                case HopMessageType.Connect:
                    await ConnectAsync(stream, request, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await RefuseAsync(stream, "message", Status.UnexpectedMessage, $"type {type} is not a request", cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or the relay is stopping: nothing to answer to.
            HopLog.HopFailed(logger, peer.ToString(), e);
            stream.Reset();
        }
    }

    private async Task ReserveAsync(IMeshStream stream, CancellationToken cancellationToken)
    {
        var peer = stream.Remote.PeerId;
        if (stream.Remote.Path == PathKind.Relayed)
        {
            // A reservation over a circuit would relay through a relay; js and go refuse it too.
            await RefuseAsync(stream, "reserve", Status.PermissionDenied, "reservation over a relayed connection", cancellationToken).ConfigureAwait(false);
            return;
        }
        var member = membership.IsMember(peer);
        var reservation = _table.TryReserve(peer, BlockOf(stream.Remote.RemoteAddress), member, out var refusal);
        if (reservation is null)
        {
            await RefuseAsync(stream, "reserve", Status.ReservationRefused, refusal, cancellationToken).ConfigureAwait(false);
            return;
        }
        var expire = (ulong)reservation.Expires.ToUnixTimeSeconds();
        var rsvp = new Reservation
        {
            Expire = expire,
            Voucher = Voucher.Create(localPeer, peer, expire),
        };
        foreach (var addr in localPeer.Addresses)
        {
            if (!addr.IsRelayed) rsvp.Addrs.Add(addr.ToBytes());
        }
        var response = new HopMessage { Type = HopMessageType.Status, Status = Status.Ok, Reservation = rsvp };
        if (ToWire(member ? memberLimit : outsiderLimit) is { } limit) response.Limit = limit;
        await RelayCodec.WriteAsync(stream.Stream, response, cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
        HopLog.Reserved(logger, peer.ToString(), reservation.Expires, member);
    }

    private async Task ConnectAsync(IMeshStream source, HopMessage request, CancellationToken cancellationToken)
    {
        var from = source.Remote.PeerId;
        var target = request.Peer?.Id is { } id && PeerId.TryFromMultihash(id, out var parsed) ? parsed : null;
        if (target is null)
        {
            await RefuseAsync(source, "connect", Status.MalformedMessage, "peer.id missing or not a PeerId", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (source.Remote.Path == PathKind.Relayed)
        {
            await RefuseAsync(source, "connect", Status.PermissionDenied, "CONNECT over a relayed connection", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_table.Find(target) is null)
        {
            await RefuseAsync(source, "connect", Status.NoReservation, $"{target} holds no reservation", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!_table.TryOpenCircuit(from, target))
        {
            await RefuseAsync(source, "connect", Status.ResourceLimitExceeded, "circuit limit reached", cancellationToken).ConfigureAwait(false);
            return;
        }
        metrics.CircuitOpened();
        try
        {
            var limit = membership.IsMember(from) && membership.IsMember(target) ? memberLimit : outsiderLimit;
            var destination = await OpenStopAsync(from, target, limit, cancellationToken).ConfigureAwait(false);
            if (destination is null)
            {
                await RefuseAsync(source, "connect", Status.ConnectionFailed, $"STOP to {target} failed", cancellationToken).ConfigureAwait(false);
                return;
            }
            await using (destination.ConfigureAwait(false))
            {
                var ok = new HopMessage { Type = HopMessageType.Status, Status = Status.Ok };
                if (ToWire(limit) is { } wire) ok.Limit = wire;
                await RelayCodec.WriteAsync(source.Stream, ok, cancellationToken).ConfigureAwait(false);
                // An outsider's circuit may have been opened before the API's bindings reached this
                // relay (an agent that just started): when it hits a limit and both ends are members
                // by then, it goes on under the member limits instead of being cut.
                var members = ReferenceEquals(limit, memberLimit);
                var (outcome, bytes, upgraded) = await CircuitBridge.RunAsync(source, destination, limit, limits.BufferSize, time, n =>
                {
                    Interlocked.Add(ref _bytes, n);
                    metrics.Bytes(n);
                }, cancellationToken,
                    members ? null : () => membership.IsMember(from) && membership.IsMember(target) ? memberLimit : null,
                    () =>
                    {
                        Interlocked.Increment(ref _upgraded);
                        metrics.CircuitUpgraded();
                        HopLog.CircuitUpgraded(logger, from.ToString(), target.ToString());
                    }).ConfigureAwait(false);
                HopLog.CircuitEnded(logger, from.ToString(), target.ToString(), upgraded ? $"{outcome} (member limits since an outsider limit was reached)" : outcome.ToString(), bytes);
            }
        }
        finally
        {
            _table.CloseCircuit(from, target);
            metrics.CircuitClosed();
        }
    }

    /// <summary>Opens STOP to the target and waits for its OK; null when it cannot be reached or says no.</summary>
    private async Task<IMeshStream?> OpenStopAsync(PeerId from, PeerId target, CircuitLimit limit, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(limits.HandshakeTimeout);
        IMeshStream? stop = null;
        try
        {
            var opened = await tunnel.OpenStreamAsync(new PeerTarget(PeerId: target), RelayProtocols.Stop, cts.Token).ConfigureAwait(false);
            // An unreachable target is CONNECTION_FAILED.
            if (!opened.Ok) return null;
            stop = opened.Stream;
            var connect = new StopMessage
            {
                Type = StopMessageType.Connect,
                Peer = new Peer { Id = from.Multihash.ToArray() },
            };
            if (ToWire(limit) is { } wire) connect.Limit = wire;
            await RelayCodec.WriteAsync(stop.Stream, connect, cts.Token).ConfigureAwait(false);
            var answer = await RelayCodec.ReadAsync(stop.Stream, StopMessage.Parse, cts.Token).ConfigureAwait(false);
            if (answer is { Type: StopMessageType.Status, Status: Status.Ok }) return stop;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The target reset the STOP exchange or did not answer in time: CONNECTION_FAILED too.
        }
        if (stop is not null)
        {
            stop.Reset();
            await stop.DisposeAsync().ConfigureAwait(false);
        }
        return null;
    }

    private async Task RefuseAsync(IMeshStream stream, string request, Status status, string reason, CancellationToken cancellationToken)
    {
        var name = StatusNames.Wire(status);
        metrics.Refused(name);
        HopLog.Refused(logger, request, stream.Remote.PeerId.ToString(), name, reason);
        await RelayCodec.WriteAsync(stream.Stream, new HopMessage { Type = HopMessageType.Status, Status = status }, cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The wire form: duration in seconds as the spec says, no message at all when unlimited.</summary>
    internal static Limit? ToWire(CircuitLimit limit)
    {
        if (limit.IsUnlimited) return null;
        var wire = new Limit();
        if (limit.Duration is { } d) wire.Duration = (uint)Math.Min(uint.MaxValue, Math.Ceiling(d.TotalSeconds));
        if (limit.Bytes is { } b) wire.Data = (ulong)b;
        return wire;
    }

    /// <summary>The first <c>/ip4</c> or <c>/ip6</c> value of the address (per-IP reservation limit).</summary>
    private static string? BlockOf(Multiaddr multiaddr) =>
        multiaddr.TryGetIp(out var ip) ? ReservationTable.AddressBlock(ip) : null;
}
