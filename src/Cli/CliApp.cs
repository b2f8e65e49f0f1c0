using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Cli.Commands;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Plugins;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Cli;

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

            // A plugin command takes the global options anywhere after its name too (pluginmesh peers --config FILE).
            var (more, words) = SplitGlobals(rest, anywhere: true);
            var g = new CliArgs([.. globals, .. more], GlobalOptions.Values, GlobalOptions.Flags);
            using var loggers = CliLogging.Factory();
            var logger = loggers.CreateLogger("pluginmesh");
            var (config, settings, installed) = Installed(g, logger);
            var pluginCommands = PluginCommands(installed, io.Error);
            var name = Match(pluginCommands.Select(c => c.Command.Name), words);
            if (name is null)
            {
                await io.Error.WriteLineAsync($"pluginmesh: unknown command '{string.Join(' ', rest.TakeWhile(a => !a.StartsWith('-')))}'. Run 'pluginmesh --help'.");
                return 2;
            }
            var (cmd, plugin) = pluginCommands.First(c => c.Command.Name == name);
            var cmdArgs = words.Skip(WordCount(name)).ToList();
            if (CliArgs.WantsHelp(cmdArgs)) { await io.Out.WriteLineAsync(cmd.Usage); return 0; }
            return await cmd.RunAsync(new PluginCommandContext(cmdArgs, io.Out, io.Error, settings.Node, config.Root.GetSection("plugins:" + plugin.Id), io.Cancel)
            {
                Host = new CommandHost(g.Value("config"), GlobalOptions.PluginDirs(g), installed, logger, io.Error),
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

    /// <summary>Takes the global options off the front of <paramref name="argv"/>, or, with <paramref name="anywhere"/>, wherever they stand.</summary>
    private static (List<string> Globals, List<string> Remaining) SplitGlobals(IReadOnlyList<string> argv, bool anywhere = false)
    {
        var globals = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < argv.Count; i++)
        {
            if (argv[i] is "--config" or "--plugins-dir" && i + 1 < argv.Count)
            {
                globals.Add(argv[i]);
                globals.Add(argv[++i]);
            }
            else if (argv[i] is "--no-default-plugins") globals.Add(argv[i]);
            else if (anywhere) rest.Add(argv[i]);
            else
            {
                rest.AddRange(argv.Skip(i));
                break;
            }
        }
        return (globals, rest);
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

    /// <summary>The configuration and the plugins of the plugin directories it names (none loaded yet).</summary>
    private static (LoadedConfig Config, HostSettings Settings, InstalledPlugins Installed) Installed(CliArgs globals, ILogger logger)
    {
        var config = ConfigLoader.Load(globals.Value("config"));
        var settings = HostSettingsBinder.Bind(config.Root, []);
        return (config, settings, new InstalledPlugins(AgentPaths.PluginDirectories(GlobalOptions.PluginDirs(globals), settings, []), logger));
    }

    /// <summary>Every plugin command, loading only the plugins that offer commands.</summary>
    private static List<(PluginCommand Command, LoadedPlugin Plugin)> PluginCommands(InstalledPlugins installed, TextWriter error)
    {
        var result = new List<(PluginCommand, LoadedPlugin)>();
        foreach (var plugin in installed.CommandProviders().Where(p => p.Error is null))
        {
            try
            {
                result.AddRange(((IPluginCommandProvider)plugin.Instance!).Commands.Select(c => (c, plugin)));
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
        List<(PluginCommand Command, LoadedPlugin)> fromPlugins;
        try
        {
            using var loggers = CliLogging.Factory();
            fromPlugins = PluginCommands(Installed(new CliArgs(globals, GlobalOptions.Values, GlobalOptions.Flags), loggers.CreateLogger("pluginmesh")).Installed, TextWriter.Null);
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
}
