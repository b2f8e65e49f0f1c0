using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Discovery;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Host.Cli.Commands;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Plugins;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Host.Cli;

/// <summary>
/// The <c>pluginmesh</c> command line. Built-in commands live here; plugins add their own
/// (e.g. <c>p2p dial</c>) through <see cref="IPluginCommandProvider"/>.
/// Global options before the command: see <see cref="GlobalOptions"/>.
/// Exit codes: 0 success, 1 failure (invalid config, failed check, unreachable agent), 2 usage error.
/// </summary>
internal static class CliApp
{
    public static IReadOnlyList<CliCommand> BuiltIns { get; } =
    [
        UpCommand.Command,
        PluginsCommand.Command,
        ConfigCheckCommand.Command,
        PolicyCommands.Check,
        PolicyCommands.Eval,
        StatusCommand.Command,
        ServicesCommand.Command,
        PeersCommands.Peers,
        PeersCommands.Ping,
        DemoCommand.Command,
        VersionCommand.Command,
    ];

    public static async Task<int> RunAsync(string[] argv, CliIo io)
    {
        var (globals, rest) = SplitGlobals(argv);
        if (rest.Count == 0 || rest[0] is "help" or "--help" or "-h")
        {
            await io.Out.WriteLineAsync(GeneralHelp(globals));
            return rest.Count == 0 ? 2 : 0;
        }

        var builtIn = Match(BuiltIns.Select(c => c.Name), rest);
        try
        {
            if (builtIn is not null)
            {
                var command = BuiltIns.First(c => c.Name == builtIn);
                var args = globals.Concat(rest.Skip(WordCount(builtIn))).ToList();
                if (CliArgs.WantsHelp(args)) { await io.Out.WriteLineAsync(command.Usage); return 0; }
                return await command.Run(args, io);
            }

            var pluginCommands = LoadPluginCommands(globals, io.Error);
            var name = Match(pluginCommands.Select(c => c.Command.Name), rest);
            if (name is null)
            {
                await io.Error.WriteLineAsync($"pluginmesh: unknown command '{string.Join(' ', rest.TakeWhile(a => !a.StartsWith('-')))}'. Run 'pluginmesh --help'.");
                return 2;
            }
            var (cmd, node, section, providers) = pluginCommands.First(c => c.Command.Name == name);
            var cmdArgs = rest.Skip(WordCount(name)).ToList();
            if (CliArgs.WantsHelp(cmdArgs)) { await io.Out.WriteLineAsync(cmd.Usage); return 0; }
            using var policies = new CommandPolicies(providers.Policies);
            return await cmd.RunAsync(new PluginCommandContext(cmdArgs, io.Out, io.Error, node, section, io.Cancel)
            {
                DiscoveryProviders = providers.Discoveries,
                RelayProviders = providers.Relays,
                FailoverPolicy = policies,
            });
        }
        catch (UsageException ex)
        {
            await io.Error.WriteLineAsync($"pluginmesh: {ex.Message}. Run with --help for usage.");
            return 2;
        }
        catch (ConfigValidationException ex)
        {
            foreach (var p in ex.Problems) await io.Error.WriteLineAsync($"config error: {p}");
            return 1;
        }
        catch (PluginMeshException ex)
        {
            await io.Error.WriteLineAsync($"pluginmesh: {ex.Message}");
            return 1;
        }
    }

    private static (List<string> Globals, List<string> Remaining) SplitGlobals(string[] argv)
    {
        var globals = new List<string>();
        var i = 0;
        while (i < argv.Length)
        {
            if (argv[i] is "--config" or "--plugins-dir" && i + 1 < argv.Length)
            {
                globals.Add(argv[i]);
                globals.Add(argv[i + 1]);
                i += 2;
            }
            else if (argv[i] is "--no-default-plugins") globals.Add(argv[i++]);
            else break;
        }
        return (globals, argv.Skip(i).ToList());
    }

    private static int WordCount(string name) => name.Split(' ').Length;

    /// <summary>The longest command name whose words begin <paramref name="args"/>.</summary>
    private static string? Match(IEnumerable<string> names, IReadOnlyList<string> args) =>
        names.Where(n =>
            {
                var words = n.Split(' ');
                return words.Length <= args.Count && words.Select((w, i) => w == args[i]).All(x => x);
            })
            .OrderByDescending(WordCount)
            .FirstOrDefault();

    private static List<(PluginCommand Command, NodeSettings Node, IConfiguration Section, StandaloneProviders Providers)> LoadPluginCommands(List<string> globals, TextWriter error)
    {
        var g = new CliArgs(globals, GlobalOptions.Values, GlobalOptions.Flags);
        var config = ConfigLoader.Load(g.Value("config"));
        var settings = HostSettingsBinder.Bind(config.Root, []);
        using var loggers = LoggingSetup.CliFactory();
        var dirs = AgentPaths.PluginDirectories(GlobalOptions.PluginDirs(g), settings, []);
        var result = new List<(PluginCommand, NodeSettings, IConfiguration, StandaloneProviders)>();
        var plugins = PluginDiscovery.LoadAll(dirs, loggers.CreateLogger("pluginmesh")).Where(p => p.Error is null).ToList();
        var providers = new StandaloneProviders(
            plugins.Select(p => p.Instance).OfType<IStandaloneDiscoveryProvider>().ToList(),
            plugins.Select(p => p.Instance).OfType<IStandaloneRelayProvider>().ToList(),
            PolicyWiring.Options(settings));
        foreach (var plugin in plugins)
        {
            if (plugin.Instance is not IPluginCommandProvider provider) continue;
            try
            {
                foreach (var c in provider.Commands) result.Add((c, settings.Node, config.Root.GetSection("plugins:" + plugin.Id), providers));
            }
            catch (Exception ex)
            {
                error.WriteLine($"pluginmesh: plugin {plugin.Id} could not list its commands: {ex.Message}");
            }
        }
        return result;
    }

    private static string GeneralHelp(List<string> globals)
    {
        var lines = new List<string>
        {
            "pluginmesh — an edge service-mesh agent built from plugins",
            "",
            "Usage: pluginmesh [--config FILE] [--plugins-dir DIR]... [--no-default-plugins] <command> [options]",
            "",
            "Commands:",
        };
        lines.AddRange(BuiltIns.Select(c => $"  {c.Name,-16} {c.Summary}"));
        List<(PluginCommand Command, NodeSettings, IConfiguration, StandaloneProviders)> fromPlugins;
        try
        {
            fromPlugins = LoadPluginCommands(globals, TextWriter.Null);
        }
        catch (PluginMeshException)
        {
            fromPlugins = [];
        }
        if (fromPlugins.Count > 0)
        {
            lines.Add("");
            lines.Add("Commands from plugins:");
            lines.AddRange(fromPlugins.Select(c => $"  {c.Command.Name,-16} {c.Command.Summary}"));
        }
        lines.Add("");
        lines.Add("Run 'pluginmesh <command> --help' for a command's options.");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>What loaded plugins (and the node's policy scripts) offer to other plugins' diagnostic commands.</summary>
    private sealed record StandaloneProviders(IReadOnlyList<IStandaloneDiscoveryProvider> Discoveries, IReadOnlyList<IStandaloneRelayProvider> Relays, Policies.PolicyEngineOptions Policies);
}
