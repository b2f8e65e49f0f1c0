namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>Client side of an echo check: sends the pattern, verifies every byte that comes back.</summary>
public static class EchoRunner
{
    /// <summary>Sends <paramref name="total"/> pattern bytes and reads the echo concurrently.</summary>
    /// <returns>Bytes that came back intact, and the first problem seen (null when none).</returns>
    public static async Task<(long Received, string? Error)> RunAsync(YamuxStream stream, long total, CancellationToken cancellationToken)
    {
        var reader = ReadBackAsync(stream, cancellationToken);
        try
        {
            long sent = 0;
            while (sent < total)
            {
                var off = (int)(sent % EchoPattern.BlockSize);
                var n = (int)Math.Min(Math.Min(256 * 1024, total - sent), EchoPattern.BlockSize - off);
                await stream.WriteAsync(EchoPattern.Block.Slice(off, n), cancellationToken).ConfigureAwait(false);
                sent += n;
            }
            await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            var (partial, _) = await reader.ConfigureAwait(false);
            return (partial, e.Message);
        }
        return await reader.ConfigureAwait(false);
    }

    private static async Task<(long, string?)> ReadBackAsync(YamuxStream stream, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long received = 0;
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var bad = EchoPattern.FindMismatch(buffer.AsSpan(0, n), received);
                if (bad >= 0) return (received, $"echo mismatch at byte {bad}");
                received += n;
            }
            return (received, null);
        }
        catch (IOException e)
        {
            return (received, e.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
