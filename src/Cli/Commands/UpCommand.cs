using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Hosting;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh up</c>: validate, then run the agent until SIGTERM/SIGINT.</summary>
internal static class UpCommand
{
    public static volatile bool HostOwnsSignals;

    public static CliCommand Command { get; } = new("up", "Run the agent", """
        Usage: pluginmesh up [--config FILE] [--plugins-dir DIR]... [--no-default-plugins]

        Runs the agent. Configuration: FILE (default /etc/pluginmesh/pluginmesh.yaml, or the
        embedded defaults when it does not exist), then PLUGINMESH__* environment variables.
        Every configuration problem is reported before anything binds a socket; the exit code is
        then 1. SIGTERM or SIGINT stops the plugins in reverse start order within
        shutdownTimeoutMs.

        Options:
          --config FILE          configuration file
          --plugins-dir DIR      also load plugins from DIR, after the default directory and
                                 node.pluginDirs (repeatable)
          --no-default-plugins   leave out the plugins shipped with pluginmesh (plugins/ beside
                                 the binary, or its bundle): only node.pluginDirs and --plugins-dir
        """, RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv, CliIo io)
    {
        var args = new CliArgs(argv, GlobalOptions.Values, GlobalOptions.Flags);
        if (args.Positionals.Count > 0) throw new UsageException($"unexpected argument '{args.Positionals[0]}'");
        using var bootLoggers = CliLogging.Factory(LogLevel.Information);
        var plan = AgentHost.Plan(args.Value("config"), GlobalOptions.PluginDirs(args), bootLoggers.CreateLogger("pluginmesh"));

        HostOwnsSignals = true;
        var app = AgentHost.Build(plan);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("pluginmesh");
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            await app.StartAsync(io.Cancel);
            logger.LogInformation("Agent {Node} ready in {Ms} ms with plugins: {Plugins}; admin on {Admin}",
                plan.Settings.Node.NodeName, started.ElapsedMilliseconds, string.Join(", ", plan.Plugins.Ordered.Select(p => p.Id)), plan.Settings.Admin);
            // What starting left behind (configuration, plugin loading, JIT, the first syncs) is garbage now.
            // Without this it sits in a gen0 budget sized from the CPU's cache (tens of MiB on a server
            // CPU) until enough is allocated to trigger a collection; an aggressive collection also hands
            // the freed memory back to the OS. Once per start, after ready (bench/README.md#footprint-issue-15).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            await app.WaitForShutdownAsync(io.Cancel);
            return 0;
        }
        catch (PluginMeshException ex)
        {
            logger.LogError("{Message}", ex.Message);
            return 1;
        }
        catch (IOException ex)
        {
            logger.LogError("host start: {Message}", ex.Message);
            return 1;
        }
        finally
        {
            try
            {
                await app.DisposeAsync();
            }
            catch (Exception ex)
            {
                // A plugin that fails while being disposed must not turn a clean stop into a crash dump.
                logger.LogError(ex, "disposing the agent's services failed");
            }
        }
    }
}
