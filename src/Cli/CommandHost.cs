using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Plugins;

namespace PluginMesh.Cli;

/// <summary>
/// <see cref="IPluginCommandHost"/> for one plugin command: nodes composed by <see cref="AgentHost"/> from
/// the plugins the command was found among (the same instances, so the command can resolve its own
/// plugin's types), and the admin endpoint as the built-in commands reach it.
/// </summary>
internal sealed class CommandHost(string? configPath, PluginDirectoryOptions pluginDirs, InstalledPlugins installed, ILogger logger, TextWriter error) : IPluginCommandHost
{
    public bool IsInstalled(string pluginId) => installed.Find(pluginId) is { Instance: not null, Error: null };

    public ICommandNode ComposeNode(CommandNodeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new CommandNode(AgentHost.Plan(configPath, pluginDirs, logger, request, installed), request.LogLevel, error);
    }

    public Task<AdminAnswer> GetAdminAsync(string? address, string pathAndQuery, TimeSpan timeout, CancellationToken cancellationToken) =>
        AdminClient.GetAsync(AdminClient.Resolve(address, configPath), pathAndQuery, timeout, cancellationToken);
}
