using Microsoft.Extensions.Configuration;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// Optionally implemented by a plugin's entry type to add sub-commands to the <c>pluginmesh</c> CLI
/// (e.g. <c>p2p listen</c>), so diagnostics for a protocol live with that protocol, not in the host.
/// </summary>
public interface IPluginCommandProvider
{
    /// <summary>The commands; names are space-separated words, e.g. <c>p2p dial</c>.</summary>
    IReadOnlyList<PluginCommand> Commands { get; }
}

/// <summary>One CLI command contributed by a plugin.</summary>
/// <param name="Name">Words after <c>pluginmesh</c>, e.g. <c>p2p dial</c>.</param>
/// <param name="Summary">One line for <c>--help</c>.</param>
/// <param name="Usage">Full usage text printed for <c>--help</c> on this command.</param>
/// <param name="RunAsync">Runs the command; returns the process exit code.</param>
public sealed record PluginCommand(string Name, string Summary, string Usage, Func<PluginCommandContext, Task<int>> RunAsync);

/// <summary>What a plugin command gets.</summary>
/// <param name="Args">Arguments after the command name (the global options <c>--config</c>, <c>--plugins-dir</c> and <c>--no-default-plugins</c> taken out).</param>
/// <param name="Out">Standard output (machine-readable lines go here).</param>
/// <param name="Error">Standard error (diagnostics).</param>
/// <param name="Node">Node-wide settings.</param>
/// <param name="Configuration">The plugin's configuration section.</param>
/// <param name="CancellationToken">Cancelled on SIGINT/SIGTERM.</param>
public sealed record PluginCommandContext(
    IReadOnlyList<string> Args,
    TextWriter Out,
    TextWriter Error,
    NodeSettings Node,
    IConfiguration Configuration,
    CancellationToken CancellationToken)
{
    /// <summary>What the host does for the command: a node composed like the agent's, the running agent's admin endpoint.</summary>
    public required IPluginCommandHost Host { get; init; }
}
