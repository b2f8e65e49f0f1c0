using PluginMesh.Abstractions.Plugins;
using PluginMesh.Demo;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Hosting;
using DemoDefinition = PluginMesh.Demo.DemoCommand;

namespace PluginMesh.Cli.Commands;

/// <summary>
/// <c>pluginmesh demo</c>: the host's entry into PluginMesh.Demo, which defines and runs the command.
/// The host reads the command line (its global options and the demo's) and lends the demo what only
/// it knows how to do (<see cref="IDemoHost"/>).
/// </summary>
/// <remarks>
/// Name, summary and usage are the demo's constants, compiled in here; only <see cref="RunAsync"/>
/// and the <see cref="IDemoHost"/> it hands over touch demo types, so the runtime loads the demo
/// assembly when the demo runs, never for <c>up</c>, <c>--help</c> or any other command
/// (tests/Demo.Tests/DemoAssemblyLoadTests.cs checks it on the real binary).
/// </remarks>
internal static class DemoCommand
{
    public static CliCommand Command { get; } = new(DemoDefinition.Name, DemoDefinition.Summary, DemoDefinition.Usage, RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv, CliIo io)
    {
        var args = new CliArgs(argv, [.. GlobalOptions.Values, .. DemoDefinition.ValueOptions], [.. GlobalOptions.Flags, .. DemoDefinition.FlagOptions]);
        var commandLine = new DemoCommandLine(
            args.Positionals,
            DemoDefinition.ValueOptions.Where(o => args.Value(o) is not null).ToDictionary(o => o, o => args.Value(o)!, StringComparer.Ordinal),
            DemoDefinition.FlagOptions.Where(args.Flag).ToHashSet(StringComparer.Ordinal));
        try
        {
            return await DemoDefinition.RunAsync(commandLine, new DemoHost(args, io), io.Cancel);
        }
        catch (DemoUsageException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    /// <summary>Plugins, policies, admin endpoints and tables found and made the way the other commands do.</summary>
    private sealed class DemoHost(CliArgs args, CliIo io) : IDemoHost
    {
        public TextWriter Out => io.Out;

        public TextWriter Error => io.Error;

        public DemoPaths ResolvePaths()
        {
            var settings = HostSettingsBinder.Bind(ConfigLoader.Load(args.Value("config")).Root, []);
            var problems = new List<ConfigProblem>();
            // The agents are handed exactly these directories, so a default one that does not exist is left out, not named.
            var pluginDirs = AgentPaths.PluginDirectories(GlobalOptions.PluginDirs(args), settings, problems).Where(Directory.Exists).ToList();
            if (problems.Count > 0) throw new ConfigValidationException(problems);
            return new DemoPaths(pluginDirs, AgentPaths.PoliciesDirectory(settings.Node.PoliciesDirectory, settings.Node.DataDirectory));
        }

        public HttpClient AdminClient(string listen, TimeSpan timeout)
        {
            var problems = new List<ConfigProblem>();
            var admin = HostSettingsBinder.ParseAdmin(listen, problems);
            // The demo writes these addresses itself: one that does not parse is a bug in it.
            if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(listen));
            return Cli.AdminClient.Create(admin, timeout);
        }

        public string Table(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows) => Cli.Table.Render(headers, rows);
    }
}
