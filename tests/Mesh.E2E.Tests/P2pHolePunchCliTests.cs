using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Issue 13, item 5: the diagnostic CLI punches through two NATs as the agent does. Real processes
/// (<c>pluginmesh p2p …</c>) in namespaces the test makes and removes:
/// <code>
///   dialer 10.1.0.2 ─ [ra NAT] 203.0.113.1 ─┐
///                                           ├─ br0 ─ relay 203.0.113.100 (p2p listen --relay-service)
///   listener 10.2.0.2 ─ [rb NAT] 203.0.113.2 ┘
/// </code>
/// Each router is a Linux MASQUERADE NAT (endpoint-independent mapping, port-preserving) that drops
/// unsolicited inbound connections, as home and carrier NATs do. Both NATs' outsides are on
/// TEST-NET-3, which the default ranges call private — no <c>treatAsPublic</c> is given: the two
/// sides meet there because the relay observes each of them there. Before the fix the listener
/// logged "holepunch: … sent no dialable address" and the dial stayed relayed.
/// </summary>
[Trait("Category", "E2E")]
[Collection(E2ECollection.Name)]
public sealed class P2pHolePunchCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DialHolePunch_ThroughTwoMasqueradeNats_ReportsHolePunched()
    {
        using var lab = new NetnsLab("pmhp-");
        var root = Path.Combine(Path.GetTempPath(), "pmhp-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var pub = lab.Add("pub");
            NetnsLab.Bridge(pub, "br0");
            var relayNs = lab.Add("relay");
            NetnsLab.Plug(relayNs, "eth0", "203.0.113.100/24", pub, "br0", "prelay");
            var inside = new string[2];
            for (var i = 1; i <= 2; i++)
            {
                var router = lab.Add("r" + i);
                NetnsLab.Plug(router, "wan", $"203.0.113.{i}/24", pub, "br0", "pr" + i);
                var host = lab.Add("h" + i);
                NetnsLab.Link(host, "eth0", $"10.{i}.0.2/24", router, "lan", $"10.{i}.0.1/24");
                NetnsLab.DefaultRoute(host, $"10.{i}.0.1");
                NetnsLab.Masquerade(router, "wan");
                NetnsLab.Exec(router, "iptables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP");
                inside[i - 1] = host;
            }

            var relay = lab.Own(new CliProcess(relayNs, "relay", "p2p", "listen", "--listen", "/ip4/203.0.113.100/tcp/4001", "--key", Path.Combine(root, "relay.key"), "--relay-service", "--relay-unlimited"));
            var relayAddr = (await relay.ReadJsonLineAsync(TimeSpan.FromSeconds(60))).GetProperty("addrs")[0].GetString()!;
            var listener = lab.Own(new CliProcess(inside[1], "listener", "p2p", "listen", "--listen", "/ip4/0.0.0.0/tcp/4001", "--key", Path.Combine(root, "listener.key"), "--reserve", relayAddr, "--hole-punch", "--verbose"));
            var ready = await listener.ReadJsonLineAsync(TimeSpan.FromSeconds(60));
            var circuit = ready.GetProperty("circuitAddrs")[0].GetString()!;
            Assert.Contains("/p2p-circuit/", circuit, StringComparison.Ordinal);

            var dial = lab.Own(new CliProcess(inside[0], "dialer", "p2p", "dial", circuit, "--hole-punch", "--wait-direct", "10000", "--echo-bytes", "262144", "--verbose"));
            var result = await dial.ReadJsonLineAsync(TimeSpan.FromSeconds(90));
            var exit = await dial.WaitExitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine(result.GetRawText());
            Assert.True(result.GetProperty("ok").GetBoolean(), "echo came back intact\n" + dial.LogTail() + listener.LogTail());
            Assert.True(result.GetProperty("path").GetString() == "hole-punched", $"path {result.GetProperty("path")}, expected hole-punched\n{dial.LogTail()}{listener.LogTail()}");
            Assert.Equal("/ip4/203.0.113.2/tcp/4001", result.GetProperty("address").GetString());
            Assert.Equal(0, exit);
            Assert.DoesNotContain(listener.Lines, l => l.Contains("sent no dialable address", StringComparison.Ordinal));
        }
        finally
        {
            lab.Dispose();
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>One <c>pluginmesh</c> command in a namespace; stdout lines (JSON results) and stderr kept apart.</summary>
    private sealed class CliProcess : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _stdout = [];
        private readonly ConcurrentQueue<string> _all = new();
        private readonly string _name;

        public CliProcess(string netns, string name, params string[] args)
        {
            _name = name;
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            string[] command = ["netns", "exec", netns, "dotnet", AgentPaths.HostDll, .. args, "--no-default-plugins", "--plugins-dir", AgentPaths.PluginsDir];
            foreach (var a in command) psi.ArgumentList.Add(a);
            _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + name);
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                _all.Enqueue("out: " + e.Data);
                _stdout.Add(e.Data);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) _all.Enqueue("err: " + e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines => [.. _all];

        public string LogTail(int lines = 40) => $"\n--- {_name} (last {lines} lines) ---\n" + string.Join('\n', _all.TakeLast(lines));

        public async Task<JsonElement> ReadJsonLineAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var line = await Task.Run(() => _stdout.Take(cts.Token), cts.Token);
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.Clone();
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_name}: no result line within {timeout.TotalSeconds:0} s (exited: {_process.HasExited}){LogTail()}");
            }
        }

        public async Task<int> WaitExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            _process.Dispose();
            _stdout.Dispose();
        }
    }
}
