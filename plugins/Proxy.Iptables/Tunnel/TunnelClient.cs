using System.Buffers;

namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// The initiating side: open a stream to the endpoint's node agent, send the header, and read the
/// answer — without waiting for it before the client's bytes flow (see <see cref="OpenAsync"/>).
/// </summary>
public static class TunnelClient
{
    /// <summary>Opens a tunnelled connection and waits for the answer before anything else is sent.</summary>
    public static ValueTask<(IMeshStream? Stream, TunnelStatus Status, TunnelFailure? Failure, string Reason)> OpenAsync(
        IMeshTunnel tunnel, string node, TunnelHeader header, CancellationToken cancellationToken) =>
        OpenAsync(tunnel, node, header, null, cancellationToken);

    /// <summary>
    /// Opens a tunnelled connection to <paramref name="header"/>'s target through <paramref name="node"/>'s agent.
    /// No path to the node is <c>Failure</c> (with the tunnel's message as the reason); any status of the
    /// serving agent but <see cref="TunnelStatus.Ok"/> is <c>Status</c>. Either way the stream is null
    /// (already reset).
    /// </summary>
    /// <remarks>
    /// With a <paramref name="prefix"/>, the header goes out with what the client has sent so far, and
    /// until the answer arrives whatever more the client sends is read into the prefix and forwarded:
    /// a fresh connection costs no round trip of its own. The serving agent answers before it splices,
    /// so a refusal means no endpoint saw those bytes, and the caller may send the same prefix elsewhere.
    /// </remarks>
    public static async ValueTask<(IMeshStream? Stream, TunnelStatus Status, TunnelFailure? Failure, string Reason)> OpenAsync(
        IMeshTunnel tunnel, string node, TunnelHeader header, ClientPrefix? prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tunnel);
        var opened = await tunnel.OpenStreamAsync(new PeerTarget(NodeName: node), TunnelCodec.ProtocolId, cancellationToken).ConfigureAwait(false);
        if (!opened.Ok) return (null, default, opened.Failure, opened.Error);
        var stream = opened.Stream;
        Task<(TunnelStatus, string)>? answer = null;
        try
        {
            // A client that spoke before the stream was open has its first bytes in the header's frame.
            if (prefix is { Pending: true }) await prefix.ReadAsync(cancellationToken).ConfigureAwait(false);
            var early = prefix?.Bytes ?? default;
            var buffer = ArrayPool<byte>.Shared.Rent(32 + early.Length);
            try
            {
                var n = TunnelCodec.WriteHeader(header, buffer);
                early.CopyTo(buffer.AsMemory(n));
                await stream.Stream.WriteAsync(buffer.AsMemory(0, n + early.Length), cancellationToken).ConfigureAwait(false);
                await stream.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            answer = TunnelCodec.ReadAnswerAsync(stream.Stream, cancellationToken).AsTask();
            if (prefix is not null) await ForwardUntilAnsweredAsync(prefix, stream.Stream, answer, cancellationToken).ConfigureAwait(false);
            var (status, reason) = await answer.ConfigureAwait(false);
            if (status == TunnelStatus.Ok) return (stream, status, null, reason);
            // Only the serving agent's own verdict says that it dialed nothing; a stream that ended without one does not.
            if (reason.StartsWith(TunnelCodec.NoAnswerPrefix, StringComparison.Ordinal)) throw new IOException($"tunnel to {node}: {reason}");
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            return (null, status, null, reason);
        }
        catch
        {
            stream.Reset();
            // The answer's read ends with the reset; its error is this one's, not news.
            _ = answer?.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Forwards the client's bytes as they come until <paramref name="answer"/> arrives, the client ends, or the prefix is full.</summary>
    private static async Task ForwardUntilAnsweredAsync(ClientPrefix prefix, Stream upstream, Task answer, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (prefix.CanRead && !answer.IsCompleted)
        {
            var readable = prefix.WaitReadableAsync(stop.Token);
            if (await Task.WhenAny(answer, readable).ConfigureAwait(false) != readable)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await readable.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                {
                    // Nothing was taken from the client: the splice reads it next.
                }
                return;
            }
            try
            {
                await readable.ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The read below sees the client's end.
            }
            // A stale readiness: reading now would wait for a client that waits for the answer.
            if (!prefix.ReadReady) continue;
            var fresh = await prefix.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (fresh.Length > 0)
            {
                await upstream.WriteAsync(fresh, cancellationToken).ConfigureAwait(false);
                await upstream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
