using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Host.Hosting;

/// <summary>
/// A node composed for a plugin command: the agent's services (<see cref="AgentHost.AddNode"/>) without
/// its admin endpoint and telemetry export, logging to the command's standard error, started and
/// stopped as the generic host starts and stops the agent's.
/// </summary>
internal sealed class CommandNode : ICommandNode
{
    private readonly ServiceProvider _services;
    private readonly TimeSpan _shutdownTimeout;
    private readonly List<IHostedService> _started = [];

    public CommandNode(AgentPlan plan, LogLevel level, TextWriter log)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => LoggingSetup.Configure(b, level, log));
        AgentHost.AddNode(services, plan);
        _services = services.BuildServiceProvider();
        _shutdownTimeout = plan.Settings.ShutdownTimeout;
    }

    public IServiceProvider Services => _services;

    /// <summary>Every hosted service in registration order: the policy engine, then the plugin runtime (plugins in dependency order).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var service in _services.GetServices<IHostedService>())
        {
            _started.Add(service);
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops what started in reverse order within <c>shutdownTimeoutMs</c>, then disposes the services; failures are logged, not thrown.</summary>
    public async ValueTask DisposeAsync()
    {
        var logger = _services.GetRequiredService<ILoggerFactory>().CreateLogger("pluginmesh");
        using var timeout = new CancellationTokenSource(_shutdownTimeout);
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "stopping the command's node failed");
            }
        }
        try
        {
            await _services.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A plugin that fails while being disposed must not turn the command's result into a crash.
            logger.LogError(ex, "disposing the command's node failed");
        }
    }
}
