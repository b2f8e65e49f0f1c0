using System.Buffers;
using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.Plugins.Tunnel.Relay.Hop;

/// <summary>
/// Splices the hop and stop streams of one circuit. One pooled buffer per direction, sized for
/// throughput (EdgeMesh's 2 KiB buffers cost one syscall and one yamux frame per 2 KiB). A half-close
/// is passed on as a half-close; hitting the byte or time limit resets both legs so neither end hangs.
/// </summary>
internal static class CircuitBridge
{
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
            var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
            var sent = 0L;
            try
            {
                while (true)
                {
                    var n = await from.Stream.ReadAsync(buffer.AsMemory(0, bufferSize), cts.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        await to.CloseWriteAsync(cts.Token).ConfigureAwait(false);
                        return true;
                    }
                    var allowed = limit.Bytes is { } max ? (int)Math.Min(n, max - sent) : n;
                    if (allowed > 0)
                    {
                        await to.Stream.WriteAsync(buffer.AsMemory(0, allowed), cts.Token).ConfigureAwait(false);
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
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
