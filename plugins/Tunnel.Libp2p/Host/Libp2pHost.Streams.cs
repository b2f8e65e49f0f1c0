namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

// Inbound streams: negotiation, dispatch to handlers, handler registration.
public sealed partial class Libp2pHost
{
    private void OnInboundStream(Libp2pConnection connection, YamuxStream stream) =>
        _ = Task.Run(() => ServeStreamAsync(connection, stream));

    private async Task ServeStreamAsync(Libp2pConnection connection, YamuxStream stream)
    {
        string protocol;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
            timeout.CancelAfter(_options.ProtocolNegotiationTimeout);
            protocol = await MultistreamSelect.HandleAsync(stream, p => { lock (_lock) return _handlers.ContainsKey(p); }, () => Protocols, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            HostLog.StreamNegotiationFailed(_logger, connection.RemotePeerId.ToString(), e.Message);
            stream.Reset();
            return;
        }
        Libp2pStreamHandler? handler;
        lock (_lock) _handlers.TryGetValue(protocol, out handler);
        if (handler is null)
        {
            stream.Reset();
            return;
        }
        _metrics.InboundStream(protocol);
        try
        {
            await handler(new Libp2pStream(stream, protocol, connection), _shutdown.Token).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A handler's failure is the stream's, never the connection's: reset and log.
            HostLog.HandlerFailed(_logger, protocol, connection.RemotePeerId.ToString(), e.Message);
            stream.Reset();
        }
    }

    private void Unregister(string protocol, Libp2pStreamHandler handler)
    {
        lock (_lock)
        {
            if (_handlers.TryGetValue(protocol, out var current) && current == handler) _handlers.Remove(protocol);
        }
        SchedulePush();
    }
}
