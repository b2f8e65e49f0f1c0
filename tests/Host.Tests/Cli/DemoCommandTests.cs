using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using PluginMesh.Host.Demo;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// <c>pluginmesh demo</c> as README's first command runs it: four real agent processes on loopback,
/// real DNS, real requests through real relays, a real SIGKILL. Slow (several agent starts).
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class DemoCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Demo_RunsTheWholeStory_AndLeavesNoAgentBehind()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { TestPaths.HostDll, "--plugins-dir", PluginsDir, "demo", "--requests", "6", "--dir", Path.Combine(_tmp.Path, "demo") }) psi.ArgumentList.Add(a);
        psi.Environment["PLUGINMESH__NODE__POLICIESDIR"] = Path.Combine(TestPaths.RepoRoot, "policies");
        // Must not reach the agents: the demo writes every setting they need.
        psi.Environment["PLUGINMESH__ADMIN__LISTEN"] = "127.0.0.1:1";
        using var demo = Process.Start(psi)!;
        var stdout = demo.StandardOutput.ReadToEndAsync();
        var stderr = demo.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await demo.WaitForExitAsync(cts.Token);
        var output = await stdout;
        Assert.True(demo.ExitCode == 0, $"exit {demo.ExitCode}\n{output}\n{await stderr}\n{Logs()}");

        var summary = output[output.LastIndexOf("STEP ", StringComparison.Ordinal)..];
        foreach (var step in new[] { "agents", "relays + directory", "proxy", "DNS on edge-a", "DNS on edge-b", "requests from edge-a (before)", "requests from edge-b (after)", "recovery" })
            Assert.Matches(new Regex("^" + Regex.Escape(step) + @"\s+ok\s", RegexOptions.Multiline), summary);
        Assert.Contains("web.demo.svc.cluster.local → 10.96.0.10", summary, StringComparison.Ordinal);

        // Cross-node requests went through a relay, and after the kill through the other one.
        var before = RelayedVia().Match(Line(summary, "requests from edge-a (before)"));
        var after = RelayedVia().Match(Line(summary, "requests from edge-a (after)"));
        Assert.True(before.Success && after.Success, summary);
        Assert.NotEqual(before.Groups[1].Value, after.Groups[1].Value);
        Assert.Contains($"stop relay-{before.Groups[1].Value}", summary, StringComparison.Ordinal);
        Assert.Matches(@"6/6 answered: \d+ on edge-a \(local\), \d+ on edge-b \(relayed via relay-\d\)", Line(summary, "requests from edge-a (after)"));

        // Every agent the demo started has exited.
        var pids = Regex.Match(output, @"pids ([\d, ]+)\)").Groups[1].Value.Split(", ").Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, pids.Count);
        Assert.All(pids, pid => Assert.False(Alive(pid), $"agent {pid} still runs"));
    }

    [Theory]
    [InlineData("--requests", "0")]
    [InlineData("--requests", "many")]
    [InlineData("extra", "words")]
    public async Task Demo_BadArguments_AreUsageErrors(string a, string b)
    {
        var (code, _, err) = await AgentProcessTests.RunCli("demo", a, b);
        Assert.Equal(2, code);
        Assert.Contains("Run with --help", err, StringComparison.Ordinal);
    }

    [Fact]
    public void DnsProbe_ParsesTheAnswerItAskedFor()
    {
        var query = DnsProbe.BuildQuery(0x1234, "web.demo.svc.cluster.local");
        // The question echoed back with one compressed A answer (as a server writes it).
        var answer = query.ToList();
        answer[2] = 0x81;
        answer[3] = 0x80;
        answer[7] = 1;
        answer.AddRange([0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 96, 0, 10]);
        var (addresses, rcode) = DnsProbe.Parse([.. answer]);
        Assert.Equal("NOERROR", rcode);
        Assert.Equal([IPAddress.Parse("10.96.0.10")], addresses);

        query[3] = 0x83; // NXDOMAIN, no answers
        Assert.Equal("NXDOMAIN", DnsProbe.Parse(query).Item2);
        Assert.Throws<ArgumentException>(() => DnsProbe.BuildQuery(1, "bad..name"));
    }

    private static string Line(string text, string step) => text.Split('\n').First(l => l.StartsWith(step, StringComparison.Ordinal));

    private static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private string Logs() => string.Join("\n", Directory.Exists(Path.Combine(_tmp.Path, "demo"))
        ? Directory.GetFiles(Path.Combine(_tmp.Path, "demo"), "*.log").Select(f => $"--- {f}\n{string.Join('\n', File.ReadLines(f).TakeLast(20))}")
        : []);

    private static string PluginsDir => Path.Combine(TestPaths.RepoRoot, "artifacts", "plugins",
        typeof(DemoCommandTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration);

    [GeneratedRegex(@"edge-b \(relayed via relay-(\d)\)")]
    private static partial Regex RelayedVia();
}
