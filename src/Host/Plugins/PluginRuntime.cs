using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Host.Plugins;

/// <summary>
/// Starts each enabled plugin's hosted services in dependency order and stops them in reverse.
/// A failed start stops whatever already started, then fails the host with the plugin's name.
/// Stop is safe after a partial start.
/// </summary>
internal sealed partial class PluginRuntime(
    PluginSet plugins,
    IServiceProvider services,
    Lazy<HostTelemetry> telemetry,
    ILogger<PluginRuntime> logger) : IHostedService
{
    private readonly List<(LoadedPlugin Plugin, List<IHostedService> Services)> _started = [];

    /// <summary>True once every enabled plugin is running.</summary>
    public bool Ready { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = telemetry.Value; // the host's gauges exist from the first start on
        using var startSpan = HostTelemetry.Source.StartActivity("pluginmesh.agent.start");
        foreach (var plugin in plugins.Ordered)
        {
            using var span = HostTelemetry.Source.StartActivity("pluginmesh.plugin.start");
            span?.SetTag("pluginmesh.plugin", plugin.Id);
            plugin.State = PluginState.Starting;
            var running = new List<IHostedService>();
            _started.Add((plugin, running));
            try
            {
                foreach (var descriptor in plugins.HostedServices(plugin))
                {
                    var service = Resolve(descriptor);
                    running.Add(service);
                    await service.StartAsync(cancellationToken);
                }
                plugin.State = PluginState.Running;
                LogStarted(plugin.Id, plugin.Descriptor!.Version.ToString());
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                plugin.State = PluginState.Failed;
                plugin.Error = $"start failed: {ex.Message}";
                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
                LogStartFailed(ex, plugin.Id);
                await StopAsync(CancellationToken.None);
                throw ex as PluginMeshException ?? new PluginMeshException(plugin.Id, "start", ex.Message, ex);
            }
        }
        Ready = true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Ready = false;
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            var (plugin, running) = _started[i];
            if (plugin.State != PluginState.Failed) plugin.State = PluginState.Stopping;
            for (var j = running.Count - 1; j >= 0; j--)
            {
                try
                {
                    await running[j].StopAsync(cancellationToken);
                }
                catch (Exception ex)
                {
                    // One plugin failing to stop must not keep the others running.
                    LogStopFailed(ex, plugin.Id);
                }
            }
            if (plugin.State != PluginState.Failed) plugin.State = PluginState.Stopped;
        }
        _started.Clear();
    }

    private IHostedService Resolve(ServiceDescriptor d) =>
        d.ImplementationInstance as IHostedService
        ?? d.ImplementationFactory?.Invoke(services) as IHostedService
        ?? (IHostedService)ActivatorUtilities.CreateInstance(services, d.ImplementationType!);

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} running")]
    private partial void LogStarted(string pluginId, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plugin {PluginId} failed to start; stopping the plugins already started")]
    private partial void LogStartFailed(Exception ex, string pluginId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugin {PluginId} did not stop cleanly")]
    private partial void LogStopFailed(Exception ex, string pluginId);
}
