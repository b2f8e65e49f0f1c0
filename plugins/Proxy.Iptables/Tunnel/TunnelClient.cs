using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>The initiating side: open a stream to the endpoint's node agent, send the header, wait for the answer.</summary>
public static class TunnelClient
{
    /// <summary>
    /// Opens a tunnelled connection to <paramref name="header"/>'s target through <paramref name="node"/>'s agent.
    /// On any status but <see cref="TunnelStatus.Ok"/> the stream is already reset and null.
    /// </summary>
    /// <exception cref="TunnelException">No path to the node.</exception>
    public static async ValueTask<(IMeshStream? Stream, TunnelStatus Status, string Reason)> OpenAsync(
        IMeshTunnel tunnel, string node, TunnelHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tunnel);
        var stream = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: node), TunnelCodec.ProtocolId, cancellationToken).ConfigureAwait(false);
        try
        {
            var buffer = new byte[32];
            var n = TunnelCodec.WriteHeader(header, buffer);
            await stream.Stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            await stream.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            var (status, reason) = await TunnelCodec.ReadAnswerAsync(stream.Stream, cancellationToken).ConfigureAwait(false);
            if (status == TunnelStatus.Ok) return (stream, status, reason);
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            return (null, status, reason);
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
