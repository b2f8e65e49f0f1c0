namespace PluginMesh.Plugins.Tunnel.Relay.Client;

/// <summary>
/// The target side of a circuit: a relay we hold a reservation on (or, with <c>acceptStop: dialed</c>, one we
/// dialed ourselves) opens <c>/stop</c> with CONNECT;
/// we answer OK and hand the stream to the tunnel, which upgrades it as an inbound connection.
/// The handler stays running until that connection is disposed, because the tunnel host disposes a
/// handler's stream as soon as the handler returns.
/// </summary>
internal sealed class StopHandler(IPeerNetwork network, PeerId localPeerId, Func<PeerId, bool> isReservedRelay, ILogger logger)
{
    public async Task HandleAsync(IMeshStream stream, CancellationToken cancellationToken)
    {
        var relay = stream.Remote.PeerId;
        StopMessage? request;
        try
        {
            request = await RelayCodec.ReadAsync(stream.Stream, StopMessage.Parse, cancellationToken).ConfigureAwait(false);
        }
        catch (RelayMessageException e)
        {
            await AnswerAsync(stream, Status.MalformedMessage, e.Message, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (request is null) return;
        if (request.Type != StopMessageType.Connect)
        {
            await AnswerAsync(stream, request.Type is not null ? Status.UnexpectedMessage : Status.MalformedMessage, "expected CONNECT", cancellationToken).ConfigureAwait(false);
            return;
        }
        var source = request.Peer?.Id is { } id && PeerId.TryFromMultihash(id, out var parsed) ? parsed : null;
        if (source is null)
        {
            await AnswerAsync(stream, Status.MalformedMessage, "peer.id missing or not a PeerId", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!isReservedRelay(relay))
        {
            // Only relays we chose may push connections at us; anything else is an uninvited relay.
            await AnswerAsync(stream, Status.PermissionDenied, "no reservation on this relay (acceptStop)", cancellationToken).ConfigureAwait(false);
            return;
        }
        await RelayCodec.WriteAsync(stream.Stream, new StopMessage { Type = StopMessageType.Status, Status = Status.Ok }, cancellationToken).ConfigureAwait(false);
        var remote = stream.Remote.RemoteAddress;
        var relayAddress = remote.Components.Any(c => ReferenceEquals(c.Protocol, MultiaddrProtocol.P2p)) ? remote : remote.Encapsulate(MultiaddrComponent.Of(relay));
        var connection = new RelayedConnection(
            stream,
            Multiaddr.Circuit(relayAddress, localPeerId),
            Multiaddr.Circuit(relayAddress, source));
        try
        {
            await network.AcceptInboundAsync(connection, PathKind.Relayed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            ClientLog.StopUpgradeFailed(logger, source.ToString(), relay.ToString(), e);
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        // Keep the stream (the circuit) alive while the upgraded connection uses it.
        try
        {
            await connection.Closed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: the host disposes the stream, which ends the circuit.
        }
    }

    private async Task AnswerAsync(IMeshStream stream, Status status, string reason, CancellationToken cancellationToken)
    {
        ClientLog.StopRefused(logger, stream.Remote.PeerId.ToString(), reason);
        await RelayCodec.WriteAsync(stream.Stream, new StopMessage { Type = StopMessageType.Status, Status = status }, cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }
}
