namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>The initiating side: open a stream to the endpoint's node agent, send the header, wait for the answer.</summary>
public static class TunnelClient
{
    /// <summary>
    /// Opens a tunnelled connection to <paramref name="header"/>'s target through <paramref name="node"/>'s agent.
    /// No path to the node is <c>Failure</c> (with the tunnel's message as the reason); any status of the
    /// serving agent but <see cref="TunnelStatus.Ok"/> is <c>Status</c>. Either way the stream is null
    /// (already reset).
    /// </summary>
    public static async ValueTask<(IMeshStream? Stream, TunnelStatus Status, TunnelFailure? Failure, string Reason)> OpenAsync(
        IMeshTunnel tunnel, string node, TunnelHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tunnel);
        var opened = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: node), TunnelCodec.ProtocolId, cancellationToken).ConfigureAwait(false);
        if (!opened.Ok) return (null, default, opened.Failure, opened.Error);
        var stream = opened.Stream;
        try
        {
            var buffer = new byte[32];
            var n = TunnelCodec.WriteHeader(header, buffer);
            await stream.Stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            await stream.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var (status, reason) = await TunnelCodec.ReadAnswerAsync(stream.Stream, cancellationToken).ConfigureAwait(false);
            if (status == TunnelStatus.Ok) return (stream, status, null, reason);
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            return (null, status, null, reason);
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
