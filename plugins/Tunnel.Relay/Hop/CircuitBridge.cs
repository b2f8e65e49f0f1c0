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
/// both legs so neither end hangs — unless the circuit may move to other limits by then (an outsider's
/// circuit whose peers have since become members: the relay learnt the API's bindings after the
/// circuit opened), in which case it goes on under those.
/// </summary>
internal static class CircuitBridge
{
    /// <summary>Read buffer of a direction that carries no bulk data (Noise handshake, yamux pings, small messages fit).</summary>
    internal const int SmallBufferSize = 2048;

    /// <summary>Why a circuit ended.</summary>
    public enum Outcome { Closed, ByteLimit, DurationLimit, Error }

    /// <summary>Bridges until both legs closed, one failed, or a limit was hit.</summary>
    /// <param name="a">The hop stream (the source's side).</param>
    /// <param name="b">The stop stream (the target's side).</param>
    /// <param name="limit">The limits the circuit opened with (the ones announced to both ends).</param>
    /// <param name="bufferSize">The bridge buffer per direction while data flows.</param>
    /// <param name="time">Clock of the duration limit.</param>
    /// <param name="onBytes">Called with each chunk passed on.</param>
    /// <param name="cancellationToken">Ends the circuit (relay stopping).</param>
    /// <param name="upgrade">
    /// Asked when a limit is hit, at most once: other limits the circuit may go on under now (counted
    /// from its start), or null to cut it.
    /// </param>
    /// <param name="onUpgraded">Called once the circuit went on under the upgrade's limits.</param>
    public static async Task<(Outcome Outcome, long Bytes, bool Upgraded)> RunAsync(IMeshStream a, IMeshStream b, CircuitLimit limit, int bufferSize, TimeProvider time, Action<long> onBytes, CancellationToken cancellationToken,
        Func<CircuitLimit?>? upgrade = null, Action? onUpgraded = null)
    {
        var timedOut = 0;
        var exceeded = 0;
        var total = 0L;
        var current = limit;
        var upgraded = false;
        var gate = new Lock();
        var started = time.GetTimestamp();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ITimer? timer = null;
        using var durationTimer = timer = time.CreateTimer(_ => { if (!TryUpgrade()) Cut(); }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (limit.Duration is { } duration) timer.Change(duration, Timeout.InfiniteTimeSpan);

        var up = PumpAsync(a, b);
        var down = PumpAsync(b, a);
        await Task.WhenAll(up, down).ConfigureAwait(false);
        var outcome = Volatile.Read(ref exceeded) == 1 ? Outcome.ByteLimit
            : Volatile.Read(ref timedOut) == 1 ? Outcome.DurationLimit
            : up.Result && down.Result ? Outcome.Closed : Outcome.Error;
        lock (gate) return (outcome, Interlocked.Read(ref total), upgraded);

        // A limit was hit: move to the upgrade's limits if it offers any that are not used up yet.
        bool TryUpgrade()
        {
            lock (gate)
            {
                if (upgraded || upgrade?.Invoke() is not { } next) return false;
                var elapsed = time.GetElapsedTime(started);
                if (next.Duration is { } d && d <= elapsed) return false;
                upgraded = true;
                Volatile.Write(ref current, next);
                timer!.Change(next.Duration is { } left ? left - elapsed : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                onUpgraded?.Invoke();
                return true;
            }
        }

        void Cut()
        {
            Interlocked.Exchange(ref timedOut, 1);
            ResetBoth();
        }

        void ResetBoth()
        {
            a.Reset();
            b.Reset();
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The resets ended both pumps at once and the bridge returned (and disposed it) already.
            }
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
                    var allowed = Volatile.Read(ref current).Bytes is { } max ? (int)Math.Max(0, Math.Min(n, max - sent)) : n;
                    if (allowed < n && TryUpgrade())
                        allowed = Volatile.Read(ref current).Bytes is { } more ? (int)Math.Max(0, Math.Min(n, more - sent)) : n;
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
