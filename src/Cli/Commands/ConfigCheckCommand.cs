using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh config check FILE</c>: every problem with its path; exit 1 when there is any.</summary>
internal static class ConfigCheckCommand
{
    public static CliCommand Command { get; } = new("config check", "Validate a configuration file (every error, with its path)", """
        Usage: pluginmesh config check <file> [--plugins-dir DIR]... [--no-default-plugins]

        Checks FILE layered on the embedded defaults and PLUGINMESH__* environment variables, with
        the plugins it enables validating their own sections. Prints every problem as
        '<path>: <message>' (e.g. plugins.tunnel.libp2p.listen[0]: not a multiaddr) and exits 1
        when there is any; prints 'ok' and exits 0 otherwise. Binds no sockets.
        """, RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv, CliIo io)
    {
        var args = new CliArgs(argv, GlobalOptions.Values, GlobalOptions.Flags);
        var file = args.Positionals.Count switch
        {
            1 => args.Positionals[0],
            0 when args.Value("config") is { } c => c,
            _ => throw new UsageException("config check takes exactly one file"),
        };
        using var loggers = CliLogging.Factory(LogLevel.Error);
        try
        {
            var plan = AgentHost.Plan(file, GlobalOptions.PluginDirs(args), loggers.CreateLogger("pluginmesh"));
            await io.Out.WriteLineAsync($"ok: {file} — node {plan.Settings.Node.NodeName}, plugins: {string.Join(", ", plan.Plugins.Ordered.Select(p => p.Id))}");
            return 0;
        }
        catch (ConfigValidationException ex)
        {
            foreach (var p in ex.Problems) await io.Out.WriteLineAsync(p.ToString());
            await io.Error.WriteLineAsync($"{ex.Problems.Count} problem(s) in {file}");
            return 1;
        }
    }
}
