using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Admin;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Plugins;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh plugins</c>: every plugin found, whether config enables it, and why one failed.</summary>
internal static class PluginsCommand
{
    public static CliCommand Command { get; } = new("plugins", "List plugins: id, version, capabilities, path, state", """
        Usage: pluginmesh plugins [--json] [--config FILE] [--plugins-dir DIR]... [--no-default-plugins]

        Lists every folder of the plugins directories: each plugin with the state the configuration
        gives it (loaded = enabled, disabled and why, failed with the reason), and each folder that
        holds no plugin the host could pick as skipped, with the reason. Every plugin is loaded here to
        show its version and capabilities; the agent leaves a disabled one unloaded when its assembly
        declares its id. Configuration problems are listed
        after the table; the exit code is then 1.
        """, RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv, CliIo io)
    {
        var args = new CliArgs(argv, GlobalOptions.Values, [.. GlobalOptions.Flags, "json"]);
        var config = ConfigLoader.Load(args.Value("config"));
        var problems = new List<ConfigProblem>(config.Problems);
        var settings = HostSettingsBinder.Bind(config.Root, problems);
        using var loggers = CliLogging.Factory(LogLevel.Error);
        var dirs = AgentPaths.PluginDirectories(GlobalOptions.PluginDirs(args), settings, problems);
        var installed = new InstalledPlugins(dirs, loggers.CreateLogger("pluginmesh"));
        // Every plugin, enabled or not, so that each is listed with its version and capabilities (the agent loads only the enabled ones).
        installed.All();
        var set = PluginComposer.Compose(config.Root, config.ExplicitPluginIds, settings.ProfilePlugins, installed, problems, loggers.CreateLogger("pluginmesh"));

        if (args.Flag("json"))
        {
            await io.Out.WriteLineAsync(JsonSerializer.Serialize(new
            {
                directories = dirs,
                plugins = set.All.Select(StatusService.PluginRow),
                problems = problems.Select(p => p.ToString()),
            }, AdminEndpoints.Json));
        }
        else
        {
            var rows = set.All.Select(p => new[]
            {
                p.Id, p.Descriptor?.Version.ToString() ?? "-", p.State.ToString().ToLowerInvariant(),
                p.Descriptor is null ? "-" : string.Join(",", p.Descriptor.Provides),
                p.Error is not null ? $"{p.Path}: {p.Error}" : p.DisabledBecause is not null ? $"{p.Path} ({p.DisabledBecause})" : p.Path,
            }).ToList();
            await io.Out.WriteLineAsync(Table.Render(["ID", "VERSION", "STATE", "PROVIDES", "PATH / ERROR"], rows));
            if (set.All.Count == 0) await io.Out.WriteLineAsync($"no plugins found in {string.Join(", ", dirs)}");
            foreach (var p in problems) await io.Error.WriteLineAsync($"config error: {p}");
        }
        return problems.Count == 0 ? 0 : 1;
    }
}
