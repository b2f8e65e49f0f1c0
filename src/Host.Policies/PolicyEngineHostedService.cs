using Microsoft.Extensions.Hosting;

namespace PluginMesh.Host.Policies;

/// <summary>
/// Loads the policy scripts and starts watching them when the host starts; stops watching when it stops.
/// The load runs beside the plugins' start (<see cref="PolicyEngine.StartInBackground"/>: a policy call
/// made meanwhile waits for it), and the host counts as started only once it is done.
/// </summary>
public sealed class PolicyEngineHostedService(PolicyEngine engine) : IHostedLifecycleService
{
    private Task _load = Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _load = engine.StartInBackground();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => _load.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Only the watcher stops here: calls made while other services shut down still get the
        // operator's policies. The sandboxes go when the container disposes the singleton.
        engine.StopWatching();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
