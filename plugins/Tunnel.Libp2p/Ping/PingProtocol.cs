namespace PluginMesh.Plugins.Tunnel.Libp2p.Ping;

/// <summary>
/// /ipfs/ping/1.0.0: 32 random bytes echoed back. The client uses one stream per ping because a js
/// server resets ping streams 10 s after they open.
/// </summary>
public static class PingProtocol
{
    public const string ProtocolId = "/ipfs/ping/1.0.0";
    public const int PayloadSize = 32;

    /// <summary>Server side: echoes 32-byte blocks until the remote closes.</summary>
    public static async Task ServeAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PayloadSize);
        try
        {
            while (true)
            {
                var read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, PayloadSize), PayloadSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (read < PayloadSize) break;
                await stream.WriteAsync(buffer.AsMemory(0, PayloadSize), cancellationToken).ConfigureAwait(false);
            }
            await closeWrite(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Client side on a fresh stream: one ping; returns the round-trip time.</summary>
    /// <exception cref="InvalidDataException">The echo did not match.</exception>
    public static async Task<TimeSpan> PingOnceAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, CancellationToken cancellationToken)
    {
        var payload = RandomNumberGenerator.GetBytes(PayloadSize);
        var echo = new byte[PayloadSize];
        var start = Stopwatch.GetTimestamp();
        await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await closeWrite(cancellationToken).ConfigureAwait(false);
        try
        {
            await stream.ReadExactlyAsync(echo, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("ping: stream closed before the echo");
        }
        var rtt = Stopwatch.GetElapsedTime(start);
        if (!payload.AsSpan().SequenceEqual(echo)) throw new InvalidDataException("ping: echo does not match");
        return rtt;
    }
}
