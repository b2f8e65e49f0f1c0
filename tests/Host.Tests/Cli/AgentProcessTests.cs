using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>The real executable: start, admin endpoint, SIGTERM, exit codes.</summary>
public sealed class AgentProcessTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    internal static async Task<(int Code, string Out, string Err)> RunCli(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    internal static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(TestPaths.HostDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private string Config(int port, string plugins) => _tmp.File("agent.yaml", $"""
        profile: none
        node:
          name: proc-node
          dataDir: {_tmp.Path}/data
          policiesDir: {Path.Combine(TestPaths.RepoRoot, "policies")}
        admin:
          listen: 127.0.0.1:{port}
        plugins:
        {plugins}
        """);

    [Fact]
    public async Task Up_ServesAdminEndpoint_AndStopsGracefullyOnSigterm()
    {
        var journal = Path.Combine(_tmp.Path, "journal.txt");
        var port = 19464 + Environment.ProcessId % 1000;
        var config = Config(port, $"  test.good:\n    journal: {journal}\n  test.a-dependent:\n    journal: {journal}");
        _tmp.PluginFolder("notes");
        using var agent = Start("up", "--config", config, "--no-default-plugins", "--plugins-dir", _tmp.Plugins("Good", "Dependent", "Declared"));
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            Assert.True(await WaitReady(http, agent), "agent never became ready: " + (agent.HasExited ? await stderr : "still running"));
            Assert.Equal("ok\n", await http.GetStringAsync(new Uri("healthz", UriKind.Relative)));
            using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("status", UriKind.Relative)));
            Assert.Equal("proc-node", status.RootElement.GetProperty("node").GetProperty("name").GetString());
            var states = status.RootElement.GetProperty("plugins").EnumerateArray()
                .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("state").GetString());
            Assert.Equal("running", states["test.good"]);
            Assert.Equal("running", states["test.a-dependent"]);
            // A folder with no plugin in it is listed with the reason, not only logged.
            var notes = status.RootElement.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "notes");
            Assert.Equal("skipped", notes.GetProperty("state").GetString());
            Assert.Equal("no .dll in the folder", notes.GetProperty("error").GetString());
            // Not enabled and its assembly declares its id: listed with why, never loaded.
            var declared = status.RootElement.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "test.declared");
            Assert.Equal("disabled", declared.GetProperty("state").GetString());
            Assert.False(declared.GetProperty("loaded").GetBoolean());
            Assert.Equal("not in profile 'none' and no plugins.test.declared section", declared.GetProperty("disabledBecause").GetString());
            Assert.True(status.RootElement.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "test.good").GetProperty("loaded").GetBoolean());
            var policies = status.RootElement.GetProperty("policies").EnumerateArray().ToList();
            Assert.Equal(["relay-selection", "failover", "resync", "endpoint", "relay-election", "retire"], policies.Select(p => p.GetProperty("name").GetString()));
            Assert.All(policies, p => Assert.Equal("script", p.GetProperty("using").GetString()));

            var (code, human, _) = await RunCli("status", "--admin", $"127.0.0.1:{port}");
            Assert.Equal(0, code);
            Assert.Contains("test.a-dependent", human, StringComparison.Ordinal);

            Process.Start("kill", ["-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await agent.WaitForExitAsync(cts.Token);
            Assert.Equal(0, agent.ExitCode);
            Assert.Equal(["start test.good", "start test.a-dependent", "stop test.a-dependent", "stop test.good"], File.ReadAllLines(journal));
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
    }

    [Fact]
    public async Task Up_InvalidConfig_ExitsOneBeforeBindingAnything()
    {
        var port = 20464 + Environment.ProcessId % 1000;
        var config = Config(port, "  test.good:\n    mustBePositive: zero\n  no.such: {}");
        var (code, _, err) = await RunCli("up", "--config", config, "--no-default-plugins", "--plugins-dir", _tmp.Plugins("Good"));
        Assert.Equal(1, code);
        Assert.Contains("config error: plugins.test.good.mustBePositive: 'zero' is not a positive number", err, StringComparison.Ordinal);
        Assert.Contains("config error: plugins.no.such: no such plugin", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigCheck_ListsEveryProblem_ExitOne_ThenOkExitZero()
    {
        var plugins = _tmp.Plugins("Good");
        var bad = _tmp.File("bad.yaml", "profile: none\nbogus: 1\nplugins:\n  test.good:\n    mustBePositive: -1");
        var (code, output, _) = await RunCli("config", "check", bad, "--no-default-plugins", "--plugins-dir", plugins);
        Assert.Equal(1, code);
        Assert.Contains("bogus: unknown key", output, StringComparison.Ordinal);
        Assert.Contains("plugins.test.good.mustBePositive", output, StringComparison.Ordinal);

        var good = _tmp.File("good.yaml", "profile: none\nplugins:\n  test.good: {}");
        (code, output, _) = await RunCli("config", "check", good, "--no-default-plugins", "--plugins-dir", plugins);
        Assert.Equal(0, code);
        Assert.StartsWith("ok:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plugins_Json_ListsStatesAndErrors()
    {
        var plugins = _tmp.Plugins("Good", "OldApi");
        _tmp.PluginFolder("extra.two", "Good", "Dependent");
        var config = _tmp.File("p.yaml", "profile: none\nplugins:\n  test.good: {}");
        var (code, output, _) = await RunCli("plugins", "--json", "--config", config, "--no-default-plugins", "--plugins-dir", plugins);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("plugins").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        Assert.Equal("loaded", rows["test.good"].GetProperty("state").GetString());
        Assert.Equal("failed", rows["test.oldapi"].GetProperty("state").GetString());
        Assert.Contains("API version 0", rows["test.oldapi"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("skipped", rows["extra.two"].GetProperty("state").GetString());
        Assert.Equal(Path.Combine(plugins, "extra.two"), rows["extra.two"].GetProperty("path").GetString());
        Assert.StartsWith("2 assemblies hold a plugin entry type: Dependent.dll", rows["extra.two"].GetProperty("error").GetString(), StringComparison.Ordinal);

        (code, output, _) = await RunCli("plugins", "--config", config, "--no-default-plugins", "--plugins-dir", plugins);
        Assert.Equal(0, code);
        var line = output.Split('\n').Single(l => l.StartsWith("extra.two ", StringComparison.Ordinal));
        Assert.Contains(" skipped ", line, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(plugins, "extra.two")}: 2 assemblies hold a plugin entry type", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, 2)]
    [InlineData(new[] { "plugins", "--jsn" }, 2)]
    [InlineData(new[] { "version" }, 0)]
    [InlineData(new[] { "up", "--help" }, 0)]
    [InlineData(new[] { "--help" }, 0)]
    public async Task ExitCodes(string[] args, int expected)
    {
        var (code, _, _) = await RunCli(args);
        Assert.Equal(expected, code);
    }

    private static async Task<bool> WaitReady(HttpClient http, Process agent)
    {
        for (var i = 0; i < 600 && !agent.HasExited; i++)
        {
            try
            {
                var r = await http.GetAsync(new Uri("readyz", UriKind.Relative));
                if (r.StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(100);
        }
        return false;
    }
}
