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
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", _ns, "dotnet", TestPaths.HostDll, "up", "--config", Path.Combine(_tmp.Path, "absent.yaml"), "--no-default-plugins", "--plugins-dir", PluginsDir })
            psi.ArgumentList.Add(a);
        // An explicitly named config file must exist; point the defaults elsewhere through the environment instead.
        psi.ArgumentList.RemoveAt(6);
        psi.ArgumentList.RemoveAt(6);
        psi.Environment["PLUGINMESH__NODE__DATADIR"] = Path.Combine(_tmp.Path, "data");
        psi.Environment["PLUGINMESH__NODE__NAME"] = "zero-config";
        psi.Environment["PLUGINMESH__NODE__POLICIESDIR"] = Path.Combine(TestPaths.RepoRoot, "policies");
        using var agent = Process.Start(psi)!;
        var stderr = agent.StandardError.ReadToEndAsync();
        try
        {
            string? status = null;
            for (var i = 0; i < 600 && !agent.HasExited; i++)
            {
                var (code, output) = Sh("ip", "netns", "exec", _ns, "curl", "-sf", "http://127.0.0.1:9464/readyz");
                if (code == 0)
                {
                    status = Sh("ip", "netns", "exec", _ns, "curl", "-sf", "http://127.0.0.1:9464/status").Output;
                    break;
                }
                await Task.Delay(100);
            }
            Assert.True(status is not null, "agent never became ready: " + (agent.HasExited ? await stderr : "still starting"));
            using var doc = JsonDocument.Parse(status);
            var states = doc.RootElement.GetProperty("plugins").EnumerateArray().Where(p => p.GetProperty("enabled").GetBoolean())
                .ToDictionary(p => p.GetProperty("id").GetString()!, p => p.GetProperty("state").GetString());
            foreach (var id in new[] { "cache.litedb", "tunnel.libp2p", "tunnel.relay", "directory.p2p", "dns.mdns", "proxy.iptables", "catalog.kubernetes" })
                Assert.True(states.TryGetValue(id, out var s) && s == "running", $"{id}: {(states.TryGetValue(id, out var st) ? st : "not enabled")}");
            Assert.Contains("PLUGINMESH-SERVICES", Sh("ip", "netns", "exec", _ns, "iptables-save", "-t", "nat").Output, StringComparison.Ordinal);

            Process.Start("kill", ["-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await agent.WaitForExitAsync(cts.Token);
            Assert.True(agent.ExitCode == 0, await stderr);
            Assert.DoesNotContain("PLUGINMESH", Sh("ip", "netns", "exec", _ns, "iptables-save", "-t", "nat").Output, StringComparison.Ordinal);
        }
        finally
        {
            if (!agent.HasExited) agent.Kill(true);
        }
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
