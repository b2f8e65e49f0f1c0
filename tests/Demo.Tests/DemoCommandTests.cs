using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using PluginMesh.Demo.Tests.Support;

namespace PluginMesh.Demo.Tests;

/// <summary>
/// <c>pluginmesh demo</c> as README's first command runs it: four real agent processes on loopback,
/// real DNS, real requests through real relays, a real SIGKILL. Slow (several agent starts).
/// </summary>
[Trait("Category", "E2E")]
public sealed partial class DemoCommandTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("pm-demo-test-").FullName;

    public void Dispose()
    {
        // A demo killed by the test's timeout cannot clean up after itself; its namespaces go here.
        if (Environment.UserName == "root")
        {
            foreach (var line in RunAsync("ip", "netns", "list").GetAwaiter().GetResult().Split('\n'))
                if (line.StartsWith(DemoNamespaces.Prefix, StringComparison.Ordinal)) RunAsync("ip", "netns", "del", line.Split(' ')[0]).GetAwaiter().GetResult();
        }
        try
        {
            Directory.Delete(_tmp, recursive: true);
        }
        catch (IOException)
        {
            // An agent may still hold a file briefly; the OS temp cleaner gets it later.
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }

    [Fact]
    public async Task Demo_RunsTheWholeStory_AndLeavesNoAgentBehind()
    {
        var (code, output) = await RunDemoAsync();
        Assert.True(code == 0, $"exit {code}\n{output}\n{Logs()}");

        var summary = output[output.LastIndexOf("STEP ", StringComparison.Ordinal)..];
        foreach (var step in new[] { "agents", "relays + directory", "proxy", "DNS on edge-a", "DNS on edge-b", "requests from edge-a (before)", "requests from edge-b (after)", "recovery" })
            Assert.Matches(new Regex("^" + Regex.Escape(step) + @"\s+ok\s", RegexOptions.Multiline), summary);
        Assert.Contains("web.demo.svc.cluster.local → 10.96.0.10", summary, StringComparison.Ordinal);

        // Nothing configures the relays as relays: each runs the election (relay: auto) and AutoNAT finds it public.
        Assert.Matches(Elected(), Line(summary, "relays + directory"));
        foreach (var relay in new[] { "relay-1", "relay-2" })
        {
            var config = File.ReadAllText(Path.Combine(_tmp, "demo", relay + ".yaml"));
            Assert.DoesNotContain("relay: always", config, StringComparison.Ordinal);
            Assert.DoesNotContain("enabled: false", config, StringComparison.Ordinal);
        }
        AssertEdgesFoundTheirRelays(summary);

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

    /// <summary>
    /// <c>--netns</c> (root): the edges sit behind real NAT routers, meet through a relay, hole-punch,
    /// and keep talking when the relay dies; ClusterIP traffic is intercepted by iptables and DNS
    /// answers on 169.254.96.16. Every namespace the demo made is gone afterwards.
    /// </summary>
    [Fact]
    public async Task DemoNetns_HolePunchesThroughNats_AndCleansUp()
    {
        if (Environment.UserName != "root") Assert.Fail("needs root (network namespaces); build/test.sh runs as root");
        var (code, output) = await RunDemoAsync("--netns");
        Assert.True(code == 0, $"exit {code}\n{output}\n{Logs()}");
        var summary = output[output.LastIndexOf("STEP ", StringComparison.Ordinal)..];
        foreach (var step in new[] { "DNS on edge-a", "hole punch", "recovery", "requests from edge-a (after)", "requests from edge-b (after)" })
            Assert.Matches(new Regex("^" + Regex.Escape(step) + @"\s+ok\s", RegexOptions.Multiline), summary);
        Assert.Contains("asked 169.254.96.16:53", summary, StringComparison.Ordinal);
        Assert.Matches(Elected(), Line(summary, "relays + directory"));
        AssertEdgesFoundTheirRelays(summary);
        Assert.Contains("at 10.96.0.10:80", Line(summary, "proxy"), StringComparison.Ordinal);
        Assert.Matches(@"direct at /ip4/203\.0\.113\.2[12]/tcp/4001", Line(summary, "hole punch"));
        Assert.Matches(@"6/6 answered: 3 on edge-a \(local\), 3 on edge-b \(hole-punched\)", Line(summary, "requests from edge-a (after)"));
        var left = await RunAsync("ip", "netns", "list");
        Assert.DoesNotContain(DemoNamespaces.Prefix, left, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 4's topology with hole punching off: A and B behind NATs reach each other only through
    /// relays (both directions); relay-1 is killed while carrying them and new streams go through relay-2.
    /// </summary>
    [Fact]
    public async Task DemoNetns_WithoutHolePunch_FailsOverToTheOtherRelay()
    {
        if (Environment.UserName != "root") Assert.Fail("needs root (network namespaces); build/test.sh runs as root");
        var (code, output) = await RunDemoAsync("--netns", "--no-hole-punch");
        Assert.True(code == 0, $"exit {code}\n{output}\n{Logs()}");
        var summary = output[output.LastIndexOf("STEP ", StringComparison.Ordinal)..];
        Assert.DoesNotContain("hole punch ", summary, StringComparison.Ordinal);
        var before = RelayedVia().Match(Line(summary, "requests from edge-a (before)"));
        var after = RelayedVia().Match(Line(summary, "requests from edge-a (after)"));
        Assert.True(before.Success && after.Success, summary);
        Assert.NotEqual(before.Groups[1].Value, after.Groups[1].Value);
        Assert.Matches(@"on edge-a \(relayed via relay-\d\)", Line(summary, "requests from edge-b (before)"));
        Assert.Matches(@"^recovery\s+ok\s+edge-b answered edge-a again [\d.]+ s after the kill, relayed via relay-\d", Line(summary, "recovery"));
    }

    [Theory]
    [InlineData("--requests", "0")]
    [InlineData("--requests", "many")]
    [InlineData("extra", "words")]
    [InlineData("--no-hole-punch", "--keep")]
    [InlineData("--request", "5")]
    public async Task Demo_BadArguments_AreUsageErrors(string a, string b)
    {
        var (code, _, err) = await HostCli.RunAsync("demo", a, b);
        Assert.Equal(2, code);
        Assert.Contains("Run with --help", err, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Output)> RunDemoAsync(params string[] extra)
    {
        var psi = HostCli.StartInfo(new[] { "--no-default-plugins", "--plugins-dir", HostCli.PluginsDir, "demo", "--requests", "6", "--dir", Path.Combine(_tmp, "demo") }.Concat(extra));
        psi.Environment["PLUGINMESH__NODE__POLICIESDIR"] = RepoPaths.Of("policies");
        // Must not reach the agents: the demo writes every setting they need.
        psi.Environment["PLUGINMESH__ADMIN__LISTEN"] = "127.0.0.1:1";
        using var demo = Process.Start(psi)!;
        var stdout = demo.StandardOutput.ReadToEndAsync();
        var stderr = demo.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await demo.WaitForExitAsync(cts.Token);
        }
        finally
        {
            if (!demo.HasExited) demo.Kill(entireProcessTree: true);
        }
        return (demo.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// The edges' configs name no relay and no peer (no reserve or candidates list, no PeerId, no
    /// relay settings at all), every agent's catalog is the demo's Kubernetes API, and each edge's two
    /// reservations are on relays its autorelay discovered (the source the demo read from its status).
    /// </summary>
    private void AssertEdgesFoundTheirRelays(string summary)
    {
        foreach (var agent in new[] { "relay-1", "relay-2", "edge-a", "edge-b" })
        {
            var config = File.ReadAllText(Path.Combine(_tmp, "demo", agent + ".yaml"));
            Assert.Contains("catalog.kubernetes:", config, StringComparison.Ordinal);
            Assert.DoesNotContain("catalog.file", config, StringComparison.Ordinal);
            Assert.DoesNotContain("/p2p/", config, StringComparison.Ordinal);
            if (!agent.StartsWith("edge", StringComparison.Ordinal)) continue;
            Assert.Contains("tunnel.relay: {}", config, StringComparison.Ordinal);
            foreach (var key in new[] { "reserve", "candidates", "autorelay", "relays:", "trustedPeers", "members" })
                Assert.DoesNotContain(key, config, StringComparison.Ordinal);
        }
        foreach (var edge in new[] { "edge-a", "edge-b" })
            Assert.Matches(edge + @" reserved on relay-1 \+ relay-2 \(found through (?:api|directory|mdns)(?: \+ (?:api|directory|mdns))*\)", Line(summary, "relays + directory"));
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

    private string Logs() => string.Join("\n", Directory.Exists(Path.Combine(_tmp, "demo"))
        ? Directory.GetFiles(Path.Combine(_tmp, "demo"), "*.log").Select(f => $"--- {f}\n{string.Join('\n', File.ReadLines(f).TakeLast(20))}")
        : []);

    /// <summary>Both relays took their seat through the election policy (electRelay), not by configuration.</summary>
    [GeneratedRegex(@"^relays \+ directory\s+ok\s+elected relay-1 by policy, relay-2 by policy; ")]
    private static partial Regex Elected();

    [GeneratedRegex(@"edge-b \(relayed via relay-(\d)\)")]
    private static partial Regex RelayedVia();
}
