using System.Diagnostics;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// The <c>pluginmesh p2p</c> relay diagnostics through the real executable with the real plugins:
/// the host composes tunnel.libp2p's command nodes with tunnel.relay, as the agent would. Three
/// processes on 127.0.0.1: a relay (<c>listen --relay-service</c>), a peer reserving on it
/// (<c>listen --reserve</c>), and <c>dial</c> / <c>ping</c> of the peer's circuit address.
/// </summary>
public sealed class P2pRelayProcessTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly List<Process> _processes = [];

    private static string PluginsDir => TestPaths.PluginsDir;

    [Fact]
    public async Task RelayServiceReserveAndDial_ThroughTheRealCli_PathIsRelayed()
    {
        var config = _tmp.File("p2p.yaml", $"""
            node:
              name: p2p-cli
              dataDir: {_tmp.Path}/data
              policiesDir: {Path.Combine(TestPaths.RepoRoot, "policies")}
            """);
        var relay = await ListenAsync(config, "--relay-service", "--relay-unlimited", "--key", Path.Combine(_tmp.Path, "r.key"));
        var relayAddr = relay.GetProperty("addrs")[0].GetString()!;
        var peer = await ListenAsync(config, "--reserve", relayAddr, "--key", Path.Combine(_tmp.Path, "b.key"));
        var circuit = peer.GetProperty("circuitAddrs")[0].GetString()!;
        Assert.StartsWith(relayAddr + "/p2p-circuit/p2p/", circuit, StringComparison.Ordinal);

        // A dead direct address first: failover.js (the node's policy engine) moves on to the circuit.
        var dead = "/ip4/127.0.0.1/tcp/1/p2p/" + peer.GetProperty("peerId").GetString();
        var (code, output, error) = await AgentProcessTests.RunCli("--config", config, "--no-default-plugins", "--plugins-dir", PluginsDir, "p2p", "dial", dead, circuit, "--echo-bytes", "300000");
        Assert.True(code == 0, $"p2p dial exited {code}: {output}{error}");
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal("relayed", result.GetProperty("path").GetString());
        Assert.Equal(300_000, result.GetProperty("bytes").GetInt64());

        (code, output, error) = await AgentProcessTests.RunCli("--config", config, "--no-default-plugins", "--plugins-dir", PluginsDir, "p2p", "ping", circuit, "--count", "1");
        Assert.True(code == 0, $"p2p ping exited {code}: {output}{error}");
        Assert.Equal("relayed", JsonDocument.Parse(output).RootElement.GetProperty("path").GetString());
    }

    /// <summary>Starts <c>p2p listen</c> on a kernel-chosen loopback port and returns its ready line.</summary>
    private async Task<JsonElement> ListenAsync(string config, params string[] args)
    {
        var p = AgentProcessTests.Start(["--config", config, "--no-default-plugins", "--plugins-dir", PluginsDir, "p2p", "listen", "--listen", "/ip4/127.0.0.1/tcp/0", .. args]);
        _processes.Add(p);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var line = await p.StandardOutput.ReadLineAsync(cts.Token);
        if (line is null) Assert.Fail($"p2p listen {string.Join(' ', args)} exited without a ready line: {await p.StandardError.ReadToEndAsync(cts.Token)}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
            p.Dispose();
        }
        _tmp.Dispose();
    }
}
