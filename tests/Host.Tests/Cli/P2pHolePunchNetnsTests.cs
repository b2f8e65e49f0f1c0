using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// Issue 13 item 5: <c>pluginmesh p2p dial --hole-punch</c> through two MASQUERADE NATs, real
/// processes in network namespaces made (and always removed) by the test — the lab of the agent's
/// DCUtR tests, with a relay on the "internet" side:
/// <code>
///   a 10.1.0.2 ─ [ra NAT] 198.51.100.1 ─┐
///                                       ├─ br0 ─ relay 198.51.100.100 (p2p listen --relay-service)
///   b 10.2.0.2 ─ [rb NAT] 198.51.100.2 ─┘
/// </code>
/// Port-preserving MASQUERADE; the routers drop unsolicited inbound SYNs, as home and carrier NATs do
/// (a Linux router that resets them instead breaks any TCP punch, see tunnel.libp2p's README). b
/// reserves on the relay and listens with --hole-punch; a dials b's circuit address with --hole-punch.
/// 198.51.100.0/24 is TEST-NET-2, private by default, so the punch only dials it when the commands are
/// told the lab's "internet" is public (--treat-as-public, the CLI's autonat.treatAsPublic): without,
/// b finds no dialable address (the failure reported in the issue) and the path stays relayed.
/// </summary>
[Trait("Category", "E2E")]
public sealed class P2pHolePunchNetnsTests : IDisposable
{
    private const string Internet = "198.51.100.0/24";
    private readonly TempDir _tmp = new();
    private readonly NetnsLab _lab = new("pmcli-");
    private readonly List<Process> _processes = [];

    [Fact]
    public async Task DialHolePunch_TwoMasqueradeNats_RelayedWithoutPublicRanges_HolePunchedWith()
    {
        var (a, b, relayNs) = Topology();
        var config = _tmp.File("p2p.yaml", $"""
            node:
              name: p2p-cli
              dataDir: {_tmp.Path}/data
              policiesDir: {Path.Combine(TestPaths.RepoRoot, "policies")}
            """);
        var relay = await ListenAsync(relayNs, config, "relay", "--listen", "/ip4/198.51.100.100/tcp/4001", "--relay-service", "--relay-unlimited");
        var relayAddr = relay.Ready.GetProperty("addrs")[0].GetString()!;

        // The failure first: TEST-NET addresses are private, so b has nothing to punch to.
        var plain = await ListenAsync(b, config, "b1", "--listen", "/ip4/0.0.0.0/tcp/4002", "--reserve", relayAddr, "--hole-punch", "--verbose");
        var (code, output, error) = await DialAsync(a, config, plain.Ready.GetProperty("circuitAddrs")[0].GetString()!);
        Assert.True(code == 0, $"p2p dial exited {code}: {output}{error}");
        Assert.Equal("relayed", JsonDocument.Parse(output).RootElement.GetProperty("path").GetString());
        Assert.Contains("sent no dialable address", plain.Error.ToString(), StringComparison.Ordinal);
        Stop(plain.Process);

        var punching = await ListenAsync(b, config, "b2", "--listen", "/ip4/0.0.0.0/tcp/4003", "--reserve", relayAddr, "--hole-punch", "--treat-as-public", Internet);
        (code, output, error) = await DialAsync(a, config, punching.Ready.GetProperty("circuitAddrs")[0].GetString()!, "--treat-as-public", Internet);
        Assert.True(code == 0, $"p2p dial exited {code}: {output}{error}\n--- b ---\n{punching.Error}");
        var result = JsonDocument.Parse(output).RootElement;
        Assert.True(result.GetProperty("path").GetString() == "hole-punched", $"{output}\n{error}\n--- b ---\n{punching.Error}");
        Assert.Equal("/ip4/198.51.100.2/tcp/4003", result.GetProperty("address").GetString());
        Assert.True(result.GetProperty("ok").GetBoolean(), output);
    }

    private (string A, string B, string Relay) Topology()
    {
        var br = _lab.Add("br");
        NetnsLab.Bridge(br, "br0");
        var a = _lab.Add("a");
        var ra = _lab.Add("ra");
        var rb = _lab.Add("rb");
        var b = _lab.Add("b");
        var relay = _lab.Add("relay");
        NetnsLab.Plug(ra, "wan", "198.51.100.1/24", br, "br0", "pra");
        NetnsLab.Plug(rb, "wan", "198.51.100.2/24", br, "br0", "prb");
        NetnsLab.Plug(relay, "eth0", "198.51.100.100/24", br, "br0", "prl");
        NetnsLab.Link(a, "lan", "10.1.0.2/24", ra, "lan", "10.1.0.1/24");
        NetnsLab.Link(rb, "lan", "10.2.0.1/24", b, "lan", "10.2.0.2/24");
        NetnsLab.DefaultRoute(a, "10.1.0.1");
        NetnsLab.DefaultRoute(b, "10.2.0.1");
        foreach (var router in new[] { ra, rb })
        {
            NetnsLab.Masquerade(router, "wan");
            NetnsLab.Exec(router, "iptables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
        }
        return (a, b, relay);
    }

    private static ProcessStartInfo Cli(string ns, string config, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "dotnet", TestPaths.HostDll, "--config", config, "--no-default-plugins", "--plugins-dir", TestPaths.PluginsDir, "p2p" }.Concat(args))
            psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>Starts <c>p2p listen</c> in <paramref name="ns"/> and returns its ready line and its stderr as it grows.</summary>
    private async Task<(Process Process, JsonElement Ready, StringBuilder Error)> ListenAsync(string ns, string config, string key, params string[] args)
    {
        var p = Process.Start(Cli(ns, config, ["listen", "--key", Path.Combine(_tmp.Path, key + ".key"), .. args]))!;
        _processes.Add(p);
        var error = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            lock (error) error.AppendLine(e.Data);
        };
        p.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var line = await p.StandardOutput.ReadLineAsync(cts.Token);
        if (line is null) Assert.Fail($"p2p listen {string.Join(' ', args)} exited without a ready line: {error}");
        return (p, JsonDocument.Parse(line).RootElement.Clone(), error);
    }

    private static async Task<(int Code, string Out, string Err)> DialAsync(string ns, string config, string circuit, params string[] extra)
    {
        using var p = Process.Start(Cli(ns, config, ["dial", circuit, "--hole-punch", "--wait-direct", "15000", "--echo-bytes", "65536", .. extra]))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    private static void Stop(Process p)
    {
        if (p.HasExited) return;
        p.Kill(entireProcessTree: true);
        p.WaitForExit(10_000);
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            Stop(p);
            p.Dispose();
        }
        _lab.Dispose();
        _tmp.Dispose();
    }
}
