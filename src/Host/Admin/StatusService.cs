using System.Text.Json;
using System.Diagnostics;
using PluginMesh.Abstractions.Status;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Host.Admin;

/// <summary>Builds the <c>/status</c> document: node, plugins, policies, and every plugin's own section.</summary>
internal sealed class StatusService(
    HostSettings settings,
    PluginSet plugins,
    PluginRuntime runtime,
    IEnumerable<IStatusContributor> contributors,
    IEnumerable<IHostStatusSection> hostSections,
    string? configFile)
{
    // Uptime counts from the process's start, not from this service's creation (the first request).
    private static readonly DateTime ProcessStarted = StartTime();

    private static DateTime StartTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.StartTime.ToUniversalTime();
    }

    public bool Ready => runtime.Ready;

    public Dictionary<string, object?> Build()
    {
        var doc = new Dictionary<string, object?>
        {
            ["node"] = new
            {
                name = settings.Node.NodeName,
                version = ConfigLoader.AssemblyVersion(),
                uptimeSeconds = Math.Round(Math.Max(0, (DateTime.UtcNow - ProcessStarted).TotalSeconds), 1),
                dataDir = settings.Node.DataDirectory,
                configFile,
                pid = Environment.ProcessId,
            },
            ["ready"] = runtime.Ready,
            ["plugins"] = plugins.All.Select(PluginRow).ToList(),
        };
        foreach (var section in hostSections) doc[section.Section] = Safe(section.GetStatus);
        foreach (var c in contributors) doc[c.Section] = Safe(c.GetStatus);
        return doc;
    }

    internal static object PluginRow(LoadedPlugin p) => new
    {
        id = p.Id,
        version = p.Descriptor?.Version.ToString(),
        apiVersion = p.Descriptor?.ApiVersion,
        provides = p.Descriptor?.Provides ?? [],
        requires = p.Descriptor?.Requires ?? [],
        state = p.State.ToString().ToLowerInvariant(),
        enabled = p.Enabled,
        disabledBecause = p.DisabledBecause,
        // Whether its assembly sits in a load context: a disabled plugin that declares its id is not loaded.
        loaded = p.Loader is not null,
        path = p.Path,
        error = p.Error,
        description = p.Descriptor?.Description,
    };

    private static object Safe(Func<object> get)
    {
        try
        {
            // Written out here, not when the whole document is: a section whose value fails only as it is
            // serialized (a lazy sequence over a collection another thread changes) is this section's error.
            return JsonSerializer.SerializeToElement(get(), AdminEndpoints.Json);
        }
        catch (Exception ex)
        {
            // A broken status section must not take /status down with it.
            return new { error = $"{ex.GetType().Name}: {ex.Message}" };
        }
    }
}

/// <summary>A status section supplied by the host itself (policies, catalog).</summary>
internal interface IHostStatusSection
{
    string Section { get; }

    object GetStatus();
}
