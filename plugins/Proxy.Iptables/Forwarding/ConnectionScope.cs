namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Tracks running connection handlers so stop can cancel them and wait for them to end.</summary>
public sealed class ConnectionScope : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>Cancelled when the proxy stops.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Number of running handlers.</summary>
    public int Count => _running.Count;

    /// <summary>Tracks <paramref name="task"/> until it completes.</summary>
    public void Track(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Cancels every handler and waits (bounded) for them to finish.</summary>
    public async Task StopAsync(TimeSpan wait)
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(wait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Handlers are cancelled; a stuck one must not block agent shutdown.
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose() => _cts.Dispose();
}
