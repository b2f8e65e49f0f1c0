using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PluginMesh.Demo.Tests.Support;

namespace PluginMesh.Demo.Tests;

/// <summary>
/// The demo lives in its own assembly so that agents do not carry it: the real binary, run with a
/// startup hook that lists every assembly the process loaded, must load PluginMesh.Demo for the
/// demo command and for nothing else — an agent's whole life (<c>up</c> until SIGTERM) included.
/// </summary>
public sealed class DemoAssemblyLoadTests : IDisposable
{
    private const string DemoAssembly = "PluginMesh.Demo";

    private readonly string _tmp = Directory.CreateTempSubdirectory("pm-demo-load-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    [Theory]
    [InlineData("version")]
    [InlineData("--help")]
    [InlineData("demo --help")]
    [InlineData("plugins --no-default-plugins --plugins-dir {plugins}")]
    public async Task Command_OtherThanRunningTheDemo_DoesNotLoadIt(string commandLine)
    {
        var loaded = Path.Combine(_tmp, "loaded.txt");
        var (code, output, error) = await HostCli.RunAsync(Recorded(commandLine.Replace("{plugins}", HostCli.PluginsDir, StringComparison.Ordinal).Split(' '), loaded));

        Assert.True(code == 0, $"exit {code}\n{output}\n{error}");
        var assemblies = File.ReadAllLines(loaded);
        Assert.Contains("pluginmesh", assemblies);
        Assert.DoesNotContain(DemoAssembly, assemblies);
    }

    [Fact]
    public async Task Up_AgentStartsServesAndStops_WithoutLoadingTheDemo()
    {
        var loaded = Path.Combine(_tmp, "loaded.txt");
        var port = FreePort();
        var config = Path.Combine(_tmp, "agent.yaml");
        File.WriteAllText(config, $"""
            profile: minimal
            node:
              name: load-test
              dataDir: {_tmp}/data
              policiesDir: {RepoPaths.Of("policies")}
            admin:
              listen: 127.0.0.1:{port}
            """);
        using var agent = Process.Start(Recorded(["--no-default-plugins", "--plugins-dir", HostCli.PluginsDir, "up", "--config", config], loaded))!;
        var stdout = agent.StandardOutput.ReadToEndAsync();
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
            var waited = Stopwatch.StartNew();
            while (!await ReadyAsync(http))
            {
                Assert.False(agent.HasExited, "the agent exited before it was ready: " + (agent.HasExited ? await stderr : ""));
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the agent was not ready within 60 s");
                await Task.Delay(100);
            }

            Process.Start("kill", ["-TERM", agent.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await agent.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(entireProcessTree: true);
        }

        Assert.True(agent.ExitCode == 0, $"exit {agent.ExitCode}\n{await stdout}\n{await stderr}");
        var assemblies = File.ReadAllLines(loaded);
        // What an agent loads is seen (the cache plugin, in its own load context), and the demo is not among it.
        Assert.Contains("PluginMesh.Plugins.Cache.LiteDb", assemblies);
        Assert.DoesNotContain(DemoAssembly, assemblies);
    }

    [Fact]
    public async Task Demo_Running_LoadsIt()
    {
        // The control: the recorder does see the demo assembly once the demo command runs
        // (here only as far as reading its command line, which it refuses).
        var loaded = Path.Combine(_tmp, "loaded.txt");

        var (code, _, error) = await HostCli.RunAsync(Recorded(["demo", "--requests", "0"], loaded));

        Assert.True(code == 2, error);
        Assert.Contains(DemoAssembly, File.ReadAllLines(loaded));
    }

    private static ProcessStartInfo Recorded(IEnumerable<string> args, string output)
    {
        var psi = HostCli.StartInfo(args);
        psi.Environment["DOTNET_STARTUP_HOOKS"] = typeof(DemoAssemblyLoadTests).Assembly.Location;
        psi.Environment[StartupHook.OutputVariable] = output;
        return psi;
    }

    private static async Task<bool> ReadyAsync(HttpClient http)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
