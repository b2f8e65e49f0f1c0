namespace PluginMesh.Plugins.Proxy.Socks5.Target;

/// <summary>
/// The serving side of <c>/pluginmesh/socks-target/1.0.0</c>: read the request, check the peer is a
/// member (<see cref="Membership"/>), dial the port on this node (<see cref="LocalDialer"/>: allow-list,
/// own addresses only), answer, then relay. Every outcome is answered and counted.
/// </summary>
internal sealed class TargetServer(Membership membership, LocalDialer dialer, Socks5Options options, Socks5Metrics metrics, ILogger logger)
{
    /// <summary>Serves one inbound stream; never throws for network or peer problems.</summary>
    public async Task HandleAsync(IMeshStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            var (request, error) = await TargetCodec.ReadRequestAsync(stream.Stream, timeout.Token).ConfigureAwait(false);
            var peer = stream.Remote.NodeName ?? stream.Remote.PeerId.ToString();
            if (request is null)
            {
                await RefuseAsync(stream, peer, "?", TargetStatus.BadRequest, "bad_request: " + error, "bad_request", cancellationToken).ConfigureAwait(false);
                return;
            }
            if (membership.Check(stream.Remote.PeerId) is { } notMember)
            {
                await RefuseAsync(stream, peer, request.ToString(), TargetStatus.NotAllowed, notMember, "not_member", cancellationToken).ConfigureAwait(false);
                return;
            }
            var (socket, status, reason, code) = await dialer.DialAsync(request, cancellationToken).ConfigureAwait(false);
            if (socket is null)
            {
                await RefuseAsync(stream, peer, request.ToString(), status, reason, code, cancellationToken).ConfigureAwait(false);
                return;
            }

            metrics.Serving("ok");
            await using var local = RelayEnd.Of(socket);
            // The host disposes the stream after this handler returns: the relay only borrows it.
            await using var remote = RelayEnd.Of(stream, owned: false);
            await TargetCodec.WriteAnswerAsync(stream.Stream, TargetStatus.Ok, null, cancellationToken).ConfigureAwait(false);
            await Relay.RunAsync(remote, local, (_, _) => { }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            stream.Reset();
        }
    }

    private async Task RefuseAsync(IMeshStream stream, string peer, string target, TargetStatus status, string reason, string code, CancellationToken cancellationToken)
    {
        metrics.Serving(code);
        Socks5Log.ServeRefused(logger, peer, target, reason);
        await TargetCodec.WriteAnswerAsync(stream.Stream, status, reason, cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }
}
