using System.Buffers;
using System.Net.Sockets;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// Copies bytes both ways between a client socket and a service connection until both sides have
/// closed their write side; an end of stream is passed on as a half-close, an error on either side
/// aborts both.
/// </summary>
internal static class Splice
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Runs until both directions ended; <paramref name="moved"/>[0] counts bytes to the destination, [1] to the client.</summary>
    public static async Task RunAsync(Socket client, IServiceConnection upstream, long[] moved, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = UpAsync(client, upstream, moved, failed);
        var down = DownAsync(client, upstream, moved, failed);
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch
        {
            upstream.Abort();
            throw;
        }
    }

    private static async Task UpAsync(Socket client, IServiceConnection upstream, long[] moved, CancellationTokenSource failed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await client.ReceiveAsync(buffer, SocketFlags.None, failed.Token).ConfigureAwait(false);
                if (read == 0) break;
                await upstream.Stream.WriteAsync(buffer.AsMemory(0, read), failed.Token).ConfigureAwait(false);
                Interlocked.Add(ref moved[0], read);
            }
            await upstream.Stream.FlushAsync(failed.Token).ConfigureAwait(false);
            await upstream.CloseWriteAsync(failed.Token).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task DownAsync(Socket client, IServiceConnection upstream, long[] moved, CancellationTokenSource failed)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await upstream.Stream.ReadAsync(buffer, failed.Token).ConfigureAwait(false);
                if (read == 0) break;
                await client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, failed.Token).ConfigureAwait(false);
                Interlocked.Add(ref moved[1], read);
            }
            client.Shutdown(SocketShutdown.Send);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
