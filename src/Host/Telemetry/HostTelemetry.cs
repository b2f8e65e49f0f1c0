using System.Diagnostics;
using System.Diagnostics.Metrics;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Telemetry;

/// <summary>
/// The host's own instruments (meter and activity source <c>PluginMesh.Host</c>):
/// <c>pluginmesh.plugins</c> (plugins by state), <c>pluginmesh.ready</c> (1 when every enabled plugin
/// runs) and a <c>pluginmesh.plugin.start</c> span per plugin start under <c>pluginmesh.agent.start</c>.
/// </summary>
internal sealed class HostTelemetry : IDisposable
{
    public const string Name = "PluginMesh.Host";

    public static readonly ActivitySource Source = new(Name, ConfigLoader.AssemblyVersion());

    private readonly Meter _meter = new(Name, ConfigLoader.AssemblyVersion());

    public HostTelemetry(PluginSet plugins, Func<bool> ready)
    {
        _meter.CreateObservableGauge("pluginmesh.plugins", () =>
            plugins.All.GroupBy(p => p.State).Select(g => new Measurement<int>(g.Count(), new KeyValuePair<string, object?>("state", g.Key.ToString().ToLowerInvariant()))),
            unit: "{plugin}", description: "Plugins found, by state");
        _meter.CreateObservableGauge("pluginmesh.ready", () => ready() ? 1 : 0, description: "1 when every enabled plugin is running");
    }

    public void Dispose() => _meter.Dispose();
}
