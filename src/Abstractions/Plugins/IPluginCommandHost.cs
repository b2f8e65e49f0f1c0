using Microsoft.Extensions.Logging;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// What the host does for a plugin's CLI command (<see cref="PluginCommandContext.Host"/>): compose a
/// node exactly as the agent composes one, from the plugins the command names, and reach the
/// running agent's admin endpoint. There is no other way for a command to use another plugin.
/// </summary>
/// <remarks>
/// Thread-safe. Nothing here is cancelled by the command's token except where a method takes one.
/// Misconfiguration (an invalid section, a plugin that is not installed, a malformed admin address)
/// is an exception; an agent that does not answer is a value (<see cref="AdminAnswer.Reached"/>).
/// </remarks>
public interface IPluginCommandHost
{
    /// <summary>True when a plugin with this id is installed in the plugin directories and loads.</summary>
    /// <remarks>Loads that plugin (only that one, when its folder is named like its id) if it was not loaded yet.</remarks>
    bool IsInstalled(string pluginId);

    /// <summary>
    /// Composes a node from <see cref="CommandNodeRequest.Plugins"/> plus the providers of the
    /// capabilities they require, whatever the profile and the sections' <c>enabled</c> say: the node's
    /// configuration file (and <c>PLUGINMESH__</c> environment) with <see cref="CommandNodeRequest.Overrides"/>
    /// on top, validated, registered and started in the order <c>pluginmesh up</c> uses, with the
    /// node's policy engine, catalog store and clock. It has no admin endpoint and exports no
    /// telemetry; its logs go to the command's standard error. Nothing runs and no socket is bound
    /// until <see cref="ICommandNode.StartAsync"/>.
    /// </summary>
    /// <exception cref="ConfigValidationException">
    /// A named plugin is not installed, a required capability has no provider, or a section is
    /// invalid; every problem is listed with its path (the host prints them and exits 1).
    /// </exception>
    ICommandNode ComposeNode(CommandNodeRequest request);

    /// <summary>
    /// Sends <c>GET <paramref name="pathAndQuery"/></c> (e.g. <c>/status</c>) to the running agent's
    /// admin endpoint: <paramref name="address"/> when given (as <c>--admin</c> takes it:
    /// <c>127.0.0.1:PORT</c> or <c>unix:PATH</c>), else <c>admin.listen</c> from the configuration.
    /// </summary>
    /// <returns>The answer, or an answer with <see cref="AdminAnswer.Reached"/> false when no agent answered within <paramref name="timeout"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not a loopback end point or a unix socket path; the message says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<AdminAnswer> GetAdminAsync(string? address, string pathAndQuery, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>The node a command asks for.</summary>
/// <param name="Plugins">Plugin ids to run (their required capabilities' providers are added).</param>
/// <param name="Overrides">
/// Configuration keys relative to the root (<c>plugins:tunnel.relay:relay</c> = <c>always</c>,
/// <c>plugins:tunnel.libp2p:listen:0</c> = a multiaddr) laid over the node's configuration; a list
/// given here replaces the list below it, and a key set to null removes that key and everything
/// under it (a list the command does not want).
/// </param>
/// <param name="LogLevel">The lowest level the node logs to the command's standard error.</param>
public sealed record CommandNodeRequest(IReadOnlyList<string> Plugins, IReadOnlyDictionary<string, string?> Overrides, LogLevel LogLevel = LogLevel.Warning);

/// <summary>A node composed for a command. Dispose it (stops what started, in reverse order) before the command returns.</summary>
/// <remarks>Not thread-safe: one caller starts and disposes it; <see cref="Services"/> is thread-safe.</remarks>
public interface ICommandNode : IAsyncDisposable
{
    /// <summary>The node's services: every plugin's registrations (its own internal types included) and the host's.</summary>
    IServiceProvider Services { get; }

    /// <summary>
    /// Starts the host's and the plugins' hosted services in dependency order. When a plugin fails to
    /// start, what started is stopped and a <see cref="PluginMeshException"/> names the plugin.
    /// </summary>
    Task StartAsync(CancellationToken cancellationToken);
}

/// <summary>An admin endpoint's answer.</summary>
/// <param name="Address">The endpoint asked, as <c>--admin</c> writes it.</param>
/// <param name="StatusCode">The HTTP status; 0 when no agent answered.</param>
/// <param name="Body">The body (JSON for <c>/status</c> and plugin routes); when no agent answered, why.</param>
public sealed record AdminAnswer(string Address, int StatusCode, string Body)
{
    /// <summary>False when no agent answered (not running, wrong address, timed out).</summary>
    public bool Reached => StatusCode != 0;
}
