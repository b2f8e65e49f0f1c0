namespace PluginMesh.Plugins.Proxy.Socks5.Forwarding;

/// <summary>
/// Copies bytes both ways between two <see cref="RelayEnd"/>s. End of stream on one side becomes a
/// half-close of the other (SSH and request/response protocols that shut their write side keep
/// working); an error on either side aborts both. No allocation per chunk: the pipes hand out
/// pooled segments that are written as they are.
/// </summary>
internal static class Relay
{
    /// <summary>Relays until both directions ended or one failed; true when both ended cleanly.</summary>
    /// <param name="client">The accepting side (the SOCKS client, or the tunnel stream on the serving agent).</param>
    /// <param name="upstream">The dialed side.</param>
    /// <param name="moved">Called with each chunk's size: true for client → upstream.</param>
    /// <param name="cancellationToken">Stops both directions (agent stop).</param>
    public static async Task<bool> RunAsync(RelayEnd client, RelayEnd upstream, Action<bool, int> moved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(upstream);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var results = await Task.WhenAll(
            CopyAsync(client, upstream, n => moved(true, n), failed),
            CopyAsync(upstream, client, n => moved(false, n), failed)).ConfigureAwait(false);
        if (results[0] && results[1]) return true;
        client.Abort();
        upstream.Abort();
        return false;
    }

    private static async Task<bool> CopyAsync(RelayEnd from, RelayEnd to, Action<int> moved, CancellationTokenSource failed)
    {
        try
        {
            while (true)
            {
                var read = await from.Reader.ReadAsync(failed.Token).ConfigureAwait(false);
                var buffer = read.Buffer;
                if (!buffer.IsEmpty)
                {
                    await to.WriteAsync(buffer, failed.Token).ConfigureAwait(false);
                    moved((int)buffer.Length);
                }
                from.Reader.AdvanceTo(buffer.End);
                if (read.IsCompleted || read.IsCanceled)
                {
                    await to.CloseWriteAsync().ConfigureAwait(false);
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A reset on one side ends the whole connection: stop the other direction too.
            await failed.CancelAsync().ConfigureAwait(false);
            return false;
        }
    }
}
