namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

// Identify: answering, asking on every new connection, receiving and sending pushes.
public sealed partial class Libp2pHost
{
    /// <summary>The Identify message we send to <paramref name="connection"/>'s peer.</summary>
    public IdentifyMessage BuildIdentify(Libp2pConnection connection) => new()
    {
        PublicKey = _options.Identity.PublicKey.Protobuf.ToArray(),
        ListenAddrs = AdvertisedAddresses,
        Protocols = Protocols,
        ObservedAddr = connection.RemoteAddress,
        ProtocolVersion = IdentifyProtocol.ProtocolVersion,
        AgentVersion = _options.AgentVersion,
    };

    /// <summary>The IPs our connected peers observed us on (their Identify's observedAddr), each once.</summary>
    public IReadOnlyList<IPAddress> ObservedIps()
    {
        var result = new List<IPAddress>();
        foreach (var c in Connections)
        {
            if (c.RemoteIdentify?.ObservedAddr is { } observed && observed.TryGetIp(out var ip) && !result.Contains(ip)) result.Add(ip);
        }
        return result;
    }

    /// <summary>Sends an Identify push to every connected peer that lists the push protocol, one at a time per peer.</summary>
    public async Task PushIdentifyAsync(CancellationToken cancellationToken)
    {
        foreach (var connection in Connections)
        {
            if (connection.ReplacedBy is not null || connection.RemoteIdentify?.Protocols.Contains(IdentifyProtocol.PushProtocolId) != true) continue;
            try
            {
                var s = await connection.OpenStreamAsync(IdentifyProtocol.PushProtocolId, cancellationToken).ConfigureAwait(false);
                await using (s.Stream.ConfigureAwait(false))
                {
                    await IdentifyProtocol.SendAsync(s.Stream, s.Stream.CloseWriteAsync, BuildIdentify(connection), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                HostLog.IdentifyFailed(_logger, connection.RemotePeerId.ToString(), e.Message);
            }
        }
    }

    private async Task IdentifyRemoteAsync(Libp2pConnection connection)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(_options.ProtocolNegotiationTimeout);
            var s = await connection.OpenStreamAsync(IdentifyProtocol.ProtocolId, timeout.Token).ConfigureAwait(false);
            await using (s.Stream.ConfigureAwait(false))
            {
                await s.Stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
                var message = await IdentifyProtocol.ReceiveAsync(s.Stream, connection.RemotePeerId, requireKey: true, timeout.Token).ConfigureAwait(false);
                connection.CompleteIdentify(message);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException)
        {
            HostLog.IdentifyFailed(_logger, connection.RemotePeerId.ToString(), e.Message);
            connection.CompleteIdentify(null);
        }
    }

    private Task ServeIdentifyAsync(Libp2pStream s, CancellationToken cancellationToken) =>
        IdentifyProtocol.SendAsync(s.Stream, s.Stream.CloseWriteAsync, BuildIdentify(s.Connection), cancellationToken);

    private async Task ReceivePushAsync(Libp2pStream s, CancellationToken cancellationToken)
    {
        var message = await IdentifyProtocol.ReceiveAsync(s.Stream, s.Connection.RemotePeerId, requireKey: false, cancellationToken).ConfigureAwait(false);
        s.Connection.ApplyPush(message);
    }

    /// <summary>Peers learn changed protocols by Identify push, debounced by 1 s like js so a burst of registrations sends one push.</summary>
    private void SchedulePush()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.Exchange(ref _pushScheduled, 1) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _options.TimeProvider, _shutdown.Token).ConfigureAwait(false);
                Volatile.Write(ref _pushScheduled, 0);
                await PushIdentifyAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }
}
