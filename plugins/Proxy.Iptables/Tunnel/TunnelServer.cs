namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// The serving side of <c>/pluginmesh/tunnel/1.0.0</c>: read the header, check the target against
/// <see cref="TunnelAuthorizer"/> (member, not the control plane, an endpoint on this node), dial it locally, answer, then splice (TCP) or pump framed datagrams (UDP).
/// </summary>
public sealed class TunnelServer(TunnelAuthorizer authorizer, ISocketFactory sockets, ProxyOptions options, ILogger logger)
{
    /// <summary>Serves one inbound stream; never throws for network or peer problems.</summary>
    public async Task HandleAsync(IMeshStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var headerTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            headerTimeout.CancelAfter(options.ConnectTimeout);
            var (header, error) = await TunnelCodec.ReadHeaderAsync(stream.Stream, headerTimeout.Token).ConfigureAwait(false);
            if (header is null)
            {
                logger.TunnelRefused($"bad header from {stream.Remote.PeerId}: {error}");
                await TunnelCodec.WriteAnswerAsync(stream.Stream, TunnelStatus.BadHeader, error, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (authorizer.Authorize(stream.Remote, header) is { } refusal)
            {
                logger.TunnelRefused($"{header.Target} ({header.Protocol}) for {stream.Remote.PeerId}: {refusal.Message}");
                await TunnelCodec.WriteAnswerAsync(stream.Stream, TunnelStatus.NotAllowed, refusal.Message, cancellationToken).ConfigureAwait(false);
                return;
            }

            var udp = header.Protocol == TransportProtocol.Udp;
            var socket = sockets.Create(header.Target.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
            try
            {
                using var dialTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                dialTimeout.CancelAfter(options.ConnectTimeout);
                await socket.ConnectAsync(header.Target, dialTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                var status = ex is SocketException se ? StatusOf(se.SocketErrorCode) : TunnelStatus.Timeout;
                await TunnelCodec.WriteAnswerAsync(stream.Stream, status, ex.Message, cancellationToken).ConfigureAwait(false);
                return;
            }

            await TunnelCodec.WriteAnswerAsync(stream.Stream, TunnelStatus.Ok, null, cancellationToken).ConfigureAwait(false);
            if (udp) await PumpDatagramsAsync(stream, socket, cancellationToken).ConfigureAwait(false);
            else
            {
                socket.NoDelay = true;
                await using var local = new SocketConnection(socket);
                // The host disposes the stream after we return; the splice only borrows it.
                await Splicer.SpliceAsync(new BorrowedStreamConnection(stream), local, NullByteCounter.Instance, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            stream.Reset();
        }
    }

    private async Task PumpDatagramsAsync(IMeshStream stream, Socket socket, CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = new UdpSocketChannel(socket);
        var framed = new FramedStreamChannel(stream, ownsStream: false);
        // Buffers are rented per datagram (see PooledDatagram): a waiting session holds none.
        var up = Task.Run(async () =>
        {
            try
            {
                await framed.ForEachAsync(channel.SendAsync, done.Token).ConfigureAwait(false);
            }
            finally
            {
                await done.CancelAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);
        // Idle sessions end on the initiating side; here the stream end or reset ends them.
        var down = Task.Run(() => channel.ForEachAsync(framed.SendAsync, done.Token), CancellationToken.None);
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static TunnelStatus StatusOf(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => TunnelStatus.Refused,
        SocketError.TimedOut => TunnelStatus.Timeout,
        _ => TunnelStatus.Unreachable,
    };
}
