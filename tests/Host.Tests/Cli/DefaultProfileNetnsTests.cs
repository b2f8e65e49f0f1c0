using System.Diagnostics;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// Zero-config start: `pluginmesh up` with no config file and the default profile — every default
/// plugin (cache, libp2p tunnel, relay, directory, DNS with its interface, iptables proxy, Kubernetes
/// catalog with no API server) — inside a network namespace this test creates and always deletes,
/// so the interface, the 169.254.96.16:53 listener and the nat rules never touch the machine.
/// Then SIGTERM: a clean exit and no rules left behind.
/// </summary>
[Trait("Category", "E2E")]
public sealed class DefaultProfileNetnsTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly string _ns = "pm-host-" + Guid.NewGuid().ToString("n")[..8];

    public DefaultProfileNetnsTests()
    {
        Sh("ip", "netns", "add", _ns);
        Sh("ip", "netns", "exec", _ns, "ip", "link", "set", "lo", "up");
    }

    public void Dispose()
    {
        Sh("ip", "netns", "del", _ns);
        _tmp.Dispose();
    }

    private static string PluginsDir => Path.Combine(TestPaths.RepoRoot, "artifacts", "plugins",
        typeof(DefaultProfileNetnsTests).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .Cast<System.Reflection.AssemblyConfigurationAttribute>().Single().Configuration);

    [Fact]
    public async Task Up_DefaultProfile_AllPluginsRun_AndStopCleansUp()
    {
        using var agent = StartAgent(path: null);
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            var status = await ReadyStatusAsync(agent, stderr);
            using var doc = JsonDocument.Parse(status);
            AssertDefaultPluginsRun(doc);
            Assert.StartsWith("auto: root with CAP_NET_ADMIN", doc.RootElement.GetProperty("proxy").GetProperty("modeReason").GetString(), StringComparison.Ordinal);
            Assert.Contains("PLUGINMESH-SERVICES", Sh("ip", "netns", "exec", _ns, "iptables-save", "-t", "nat").Output, StringComparison.Ordinal);

            await StopAsync(agent, stderr);
            Assert.DoesNotContain("PLUGINMESH", Sh("ip", "netns", "exec", _ns, "iptables-save", "-t", "nat").Output, StringComparison.Ordinal);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
    }

    /// <summary>
    /// Root on a machine (or in a container) with only the .NET runtime, no iptables and no iproute2 —
    /// the README's first run on a fresh machine: every default plugin runs, the proxy in listen mode
    /// and DNS on 127.0.0.1:5353, each saying why, instead of failing the agent's start (it did:
    /// "run iptables-save: No such file", then "the 'ip' command (iproute2) is not installed").
    /// </summary>
    [Fact]
    public async Task Up_DefaultProfile_AsRootWithoutIptablesOrIproute2_Runs_AndSaysWhatItCannotDo()
    {
        // A PATH with nothing but dotnet on it.
        var bin = Directory.CreateDirectory(Path.Combine(_tmp.Path, "bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(bin, "dotnet"), Sh("sh", "-c", "command -v dotnet").Output.Trim());
        using var agent = StartAgent(path: bin);
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            var status = await ReadyStatusAsync(agent, stderr);
            using var doc = JsonDocument.Parse(status);
            AssertDefaultPluginsRun(doc);
            var proxy = doc.RootElement.GetProperty("proxy");
            Assert.Equal("listen", proxy.GetProperty("mode").GetString());
            Assert.Contains("no iptables tools found", proxy.GetProperty("modeReason").GetString(), StringComparison.Ordinal);
            var dns = doc.RootElement.GetProperty("dns");
            Assert.Equal(["127.0.0.1:5353"], dns.GetProperty("listen").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains("169.254.96.16:53 not served: the 'ip' command (iproute2) is not installed", dns.GetProperty("listenProblem").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("pluginmesh0", Sh("ip", "netns", "exec", _ns, "ip", "-o", "link").Output, StringComparison.Ordinal);

            await StopAsync(agent, stderr);
            var log = await stderr;
            Assert.Contains("listen mode, not iptables: auto: no iptables tools found", log, StringComparison.Ordinal);
            Assert.Contains("cannot serve 169.254.96.16:53", log, StringComparison.Ordinal);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
    }

    /// <summary>`pluginmesh up` on the default profile in the namespace; <paramref name="path"/> replaces PATH inside it.</summary>
    private Process StartAgent(string? path)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        // No config file: the defaults, pointed elsewhere through the environment.
        foreach (var a in new[] { "netns", "exec", _ns, "dotnet", TestPaths.HostDll, "up", "--no-default-plugins", "--plugins-dir", PluginsDir })
            psi.ArgumentList.Add(a);
        psi.Environment["PLUGINMESH__NODE__DATADIR"] = Path.Combine(_tmp.Path, "data");
        psi.Environment["PLUGINMESH__NODE__NAME"] = "zero-config";
        psi.Environment["PLUGINMESH__NODE__POLICIESDIR"] = Path.Combine(TestPaths.RepoRoot, "policies");
        if (path is not null) psi.Environment["PATH"] = path;
        return Process.Start(psi)!;
    }

    private async Task<string> ReadyStatusAsync(Process agent, Task<string> stderr)
    {
        for (var i = 0; i < 600 && !agent.HasExited; i++)
        {
            if (Sh("ip", "netns", "exec", _ns, "curl", "-sf", "http://127.0.0.1:9464/readyz").Code == 0)
                return Sh("ip", "netns", "exec", _ns, "curl", "-sf", "http://127.0.0.1:9464/status").Output;
            await Task.Delay(100);
        }
        Assert.Fail("agent never became ready: " + (agent.HasExited ? await stderr : "still starting"));
        return "";
    }

    private static void AssertDefaultPluginsRun(JsonDocument status)
    {
        var states = status.RootElement.GetProperty("plugins").EnumerateArray().Where(p => p.GetProperty("enabled").GetBoolean())
            .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("state").GetString());
        foreach (var id in new[] { "cache.litedb", "tunnel.libp2p", "tunnel.relay", "directory.p2p", "dns.mdns", "proxy.iptables", "catalog.kubernetes" })
            Assert.True(states.TryGetValue(id, out var s) && s == "running", $"{id}: {(states.TryGetValue(id, out var st) ? st : "not enabled")}");
    }

    private static async Task StopAsync(Process agent, Task<string> stderr)
    {
        Process.Start("kill", ["-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await agent.WaitForExitAsync(cts.Token);
        Assert.True(agent.ExitCode == 0, await stderr);
    }

    private static (int Code, string Output) Sh(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
