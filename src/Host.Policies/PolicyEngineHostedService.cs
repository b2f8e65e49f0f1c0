using Microsoft.Extensions.Hosting;

namespace PluginMesh.Host.Policies;

/// <summary>Loads the policy scripts and starts watching them when the host starts; stops watching when it stops.</summary>
public sealed class PolicyEngineHostedService(PolicyEngine engine) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        engine.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Only the watcher stops here: calls made while other services shut down still get the
        // operator's policies. The sandboxes go when the container disposes the singleton.
        engine.StopWatching();
        return Task.CompletedTask;
    }
}
