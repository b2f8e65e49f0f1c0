using System.Buffers;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Copies bytes both ways between two connections. End of stream on one side is passed on as a
/// half-close of the other, so request/response protocols that shut down their write side keep
/// working; an error on either side aborts both. Buffers come from the shared pool.
/// </summary>
public static class Splicer
{
    /// <summary>Buffer size per direction.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>Splices until both directions ended or one failed.</summary>
    /// <param name="client">The accepted connection.</param>
    /// <param name="upstream">The dialed connection.</param>
    /// <param name="counters">Receives byte counts (in = client→upstream, out = upstream→client).</param>
    /// <param name="cancellationToken">Cancels both directions (agent stop).</param>
    /// <returns>True when both directions ended cleanly.</returns>
    public static async Task<bool> SpliceAsync(IDuplexConnection client, IDuplexConnection upstream, IByteCounter counters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(counters);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = PumpAsync(client, upstream, counters, inbound: true, failed);
        var down = PumpAsync(upstream, client, counters, inbound: false, failed);
        var results = await Task.WhenAll(up, down).ConfigureAwait(false);
        if (results[0] && results[1]) return true;
        client.Abort();
        upstream.Abort();
        return false;
    }

    private static async Task<bool> PumpAsync(IDuplexConnection from, IDuplexConnection to, IByteCounter counters, bool inbound, CancellationTokenSource failed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, failed.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    await to.CloseWriteAsync(failed.Token).ConfigureAwait(false);
                    return true;
                }
                await to.WriteAsync(buffer.AsMemory(0, n), failed.Token).ConfigureAwait(false);
                counters.Add(inbound, n);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Tell the other direction to stop too: a reset on one side ends the whole connection.
            await failed.CancelAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
