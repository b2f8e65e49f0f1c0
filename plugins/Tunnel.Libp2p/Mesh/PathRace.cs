namespace PluginMesh.Plugins.Tunnel.Libp2p.Mesh;

/// <summary>
/// The attempts of one <see cref="MeshTunnel.OpenStreamAsync"/>. Each candidate is tried when the
/// failover loop reaches it, except that a fresh direct dial with no answer after
/// <see cref="MeshTunnel.RelayStagger"/> is raced by the plan's next relay circuit not yet tried: the
/// first stream opened wins. A raced attempt keeps running while the loop goes on (and through the
/// policy's delays); when the loop reaches its candidate its outcome is used — a failure is handed to
/// the policy like any other, never dialed twice. Disposing cancels what still runs and closes any stream
/// a loser opened.
/// </summary>
internal sealed class PathRace(Libp2pHost host, PathPlan plan, PeerTarget target, string protocol, TimeProvider time, CancellationToken cancellationToken) : IAsyncDisposable
{
    private sealed record Attempt(int Index, Task<(OpenStreamResult Opened, Libp2pConnection? Connection, string Reason)> Task, CancellationTokenSource Cancel);

    private readonly List<Attempt> _all = [];
    // Started as a race partner and not yet reached by the loop.
    private readonly Dictionary<int, Attempt> _early = [];
    private readonly HashSet<int> _started = [];
    private Attempt? _winner;

    /// <summary>An attempt that opened its stream outside <see cref="AttemptAsync"/> (during a policy delay).</summary>
    public (OpenStreamResult Opened, Libp2pConnection Connection)? Winner =>
        _winner is { } w ? (w.Task.Result.Opened, w.Task.Result.Connection!) : null;

    /// <summary>
    /// The outcome of candidate <paramref name="index"/>, or of a raced circuit that opened first
    /// (<c>Used</c> says which). Expected failures are values; bugs and the caller's cancellation throw.
    /// </summary>
    public async ValueTask<(int Used, OpenStreamResult Opened, Libp2pConnection? Connection, string Reason)> AttemptAsync(int index)
    {
        if (TakeWinner() is { } already) return Result(already);
        if (_early.Count == 0 && !(plan.Candidates[index].Address is { IsRelayed: false } && NextCircuit(index) is not null))
        {
            // Nothing racing and nothing to race (a live connection, a circuit, no circuit left): the
            // attempt alone, without the race's bookkeeping — the path of every stream on a live connection.
            _started.Add(index);
            var (opened, connection, reason) = await MeshTunnel.TryPathAsync(host, plan, index, target, protocol, cancellationToken).ConfigureAwait(false);
            return (index, opened, connection, reason);
        }
        var fresh = !_early.Remove(index, out var current);
        current ??= Start(index);
        var partner = fresh && plan.Candidates[index].Address is { IsRelayed: false } ? NextCircuit(index) : null;
        using var staggerCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stagger = partner is null ? null : Task.Delay(MeshTunnel.RelayStagger, time, staggerCancel.Token);
        while (true)
        {
            var waits = new List<Task> { current.Task };
            if (stagger is not null) waits.Add(stagger);
            waits.AddRange(_early.Values.Where(e => !e.Task.IsCompleted).Select(e => e.Task));
            var done = await Task.WhenAny(waits).ConfigureAwait(false);
            if (done == current.Task)
            {
                staggerCancel.Cancel();
                var (opened, connection, reason) = await current.Task.ConfigureAwait(false);
                if (opened.Ok) _winner = current;
                return (index, opened, connection, reason);
            }
            if (done == stagger)
            {
                cancellationToken.ThrowIfCancellationRequested();
                stagger = null;
                _early[partner!.Value] = Start(partner.Value);
                continue;
            }
            if (TakeWinner() is { } raced) return Result(raced);
        }
    }

    /// <summary>The policy's delay before the next attempt; ends early when a raced attempt opens its stream (<see cref="Winner"/>).</summary>
    public async ValueTask DelayAsync(TimeSpan delay)
    {
        using var delayCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, time, delayCancel.Token);
        while (TakeWinner() is null)
        {
            var running = _early.Values.Where(e => !e.Task.IsCompleted).Select(e => (Task)e.Task).ToList();
            if (running.Count == 0)
            {
                await timer.ConfigureAwait(false);
                return;
            }
            running.Add(timer);
            if (await Task.WhenAny(running).ConfigureAwait(false) == timer)
            {
                await timer.ConfigureAwait(false);
                return;
            }
        }
        delayCancel.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var attempt in _all)
        {
            if (attempt == _winner) continue;
            attempt.Cancel.Cancel();
            try
            {
                var (opened, _, _) = await attempt.Task.ConfigureAwait(false);
                if (opened.Ok) await opened.Stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A loser cancelled mid-dial ends in whatever its layer throws on cancellation; it is abandoned either way.
            }
            finally
            {
                attempt.Cancel.Dispose();
            }
        }
        if (_winner is not null) _winner.Cancel.Dispose();
    }

    private Attempt Start(int index)
    {
        _started.Add(index);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var attempt = new Attempt(index, MeshTunnel.TryPathAsync(host, plan, index, target, protocol, cancel.Token).AsTask(), cancel);
        _all.Add(attempt);
        return attempt;
    }

    /// <summary>The first relay circuit after <paramref name="index"/> not tried yet in this open.</summary>
    private int? NextCircuit(int index)
    {
        for (var i = index + 1; i < plan.Candidates.Count; i++)
        {
            if (plan.Candidates[i].Address is { IsRelayed: true } && !_started.Contains(i)) return i;
        }
        return null;
    }

    /// <summary>A raced attempt that has opened its stream, now the winner (taken out of the early ones).</summary>
    private Attempt? TakeWinner()
    {
        if (_winner is not null) return _winner;
        foreach (var (index, attempt) in _early)
        {
            if (attempt.Task.IsCompletedSuccessfully && attempt.Task.Result.Opened.Ok)
            {
                _early.Remove(index);
                return _winner = attempt;
            }
        }
        return null;
    }

    private static (int, OpenStreamResult, Libp2pConnection?, string) Result(Attempt attempt)
    {
        var (opened, connection, reason) = attempt.Task.Result;
        return (attempt.Index, opened, connection, reason);
    }
}
