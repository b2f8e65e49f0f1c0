using Microsoft.Extensions.Hosting;

namespace PluginMesh.Host.Policies;

/// <summary>Starts the <see cref="PolicyEngine"/> with the host and stops its watcher with it.</summary>
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
        // Disposal (watcher, sandboxes) is left to the container, which owns the singleton.
        return Task.CompletedTask;
    }
}
