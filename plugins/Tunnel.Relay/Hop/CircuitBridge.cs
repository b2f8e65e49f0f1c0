using System.Buffers;

namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>
/// Splices the hop and stop streams of one circuit. One pooled buffer per direction, sized for
/// throughput (EdgeMesh's 2 KiB buffers cost one syscall and one yamux frame per 2 KiB) — but only
/// while data flows: a direction reads into a small buffer until a read fills it, and goes back to the
/// small one after a read the small one could have held. An idle circuit spends its time blocked in a
/// read, so it holds 2 × <see cref="SmallBufferSize"/> instead of 2 × the bridge buffer; the keep-alive
/// pings of the connection inside the circuit bring a circuit that went quiet after a transfer back to
/// the small buffers. A half-close is passed on as a half-close; hitting the byte or time limit resets
/// both legs so neither end hangs.
/// </summary>
internal static class CircuitBridge
{
    /// <summary>Read buffer of a direction that carries no bulk data (Noise handshake, yamux pings, small messages fit).</summary>
    internal const int SmallBufferSize = 2048;

    /// <summary>Why a circuit ended.</summary>
    public enum Outcome { Closed, ByteLimit, DurationLimit, Error }

    public static async Task<(Outcome Outcome, long Bytes)> RunAsync(IMeshStream a, IMeshStream b, CircuitLimit limit, int bufferSize, TimeProvider time, Action<long> onBytes, CancellationToken cancellationToken)
    {
        var timedOut = 0;
        var exceeded = 0;
        var total = 0L;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = limit.Duration is { } d ? time.CreateTimer(_ => Cut(), null, d, Timeout.InfiniteTimeSpan) : null;

        var up = PumpAsync(a, b);
        var down = PumpAsync(b, a);
        await Task.WhenAll(up, down).ConfigureAwait(false);
        var outcome = Volatile.Read(ref exceeded) == 1 ? Outcome.ByteLimit
            : Volatile.Read(ref timedOut) == 1 ? Outcome.DurationLimit
            : up.Result && down.Result ? Outcome.Closed : Outcome.Error;
        return (outcome, Interlocked.Read(ref total));

        void Cut()
        {
            Interlocked.Exchange(ref timedOut, 1);
            ResetBoth();
        }

        void ResetBoth()
        {
            a.Reset();
            b.Reset();
            cts.Cancel();
        }

        async Task<bool> PumpAsync(IMeshStream from, IMeshStream to)
        {
            var small = ArrayPool<byte>.Shared.Rent(Math.Min(SmallBufferSize, bufferSize));
            byte[]? large = null;
            var sent = 0L;
            try
            {
                while (true)
                {
                    var buffer = large is null ? small.AsMemory(0, Math.Min(SmallBufferSize, bufferSize)) : large.AsMemory(0, bufferSize);
                    var n = await from.Stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        await to.CloseWriteAsync(cts.Token).ConfigureAwait(false);
                        return true;
                    }
                    var allowed = limit.Bytes is { } max ? (int)Math.Min(n, max - sent) : n;
                    if (allowed > 0)
                    {
                        await to.Stream.WriteAsync(buffer[..allowed], cts.Token).ConfigureAwait(false);
                        sent += allowed;
                        Interlocked.Add(ref total, allowed);
                        onBytes(allowed);
                    }
                    if (allowed < n)
                    {
                        Interlocked.Exchange(ref exceeded, 1);
                        ResetBoth();
                        return false;
                    }
                    // A full small buffer means more is waiting: rent the large one. A read the small
                    // one could have held means the flow paused: do not sit on the large one while idle.
                    if (large is null)
                    {
                        if (n == buffer.Length && bufferSize > buffer.Length) large = ArrayPool<byte>.Shared.Rent(bufferSize);
                    }
                    else if (n <= SmallBufferSize)
                    {
                        ArrayPool<byte>.Shared.Return(large);
                        large = null;
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // One leg failed or was cut: the other must not hang waiting for bytes that never come.
                ResetBoth();
                return false;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(small);
                if (large is not null) ArrayPool<byte>.Shared.Return(large);
            }
        }
    }
}
