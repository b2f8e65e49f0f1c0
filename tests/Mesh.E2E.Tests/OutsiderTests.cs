using System.Diagnostics;
using System.Text.Json;
using PluginMesh.Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace PluginMesh.Mesh.E2E.Tests;

/// <summary>
/// Attack with real processes: a relay agent with a private-network key made by
/// <c>pluginmesh keygen --psk</c>, and <c>pluginmesh p2p</c> peers as separate processes in the same
/// network namespace. A peer without the key completes no connection — no ping, no reservation — while
/// a peer with it reserves on the same relay at the same time, as an outsider until its name is bound.
/// </summary>
[Trait("Category", "E2E")]
[Trait("Category", "Attack")]
[Collection(E2ECollection.Name)]
public sealed class OutsiderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PeerWithoutThePsk_CannotConnectNorReserve_WhileAKeyHolderReserves()
    {
        using var lab = new NetnsLab("pmatk-");
        var root = Path.Combine(Path.GetTempPath(), "pmatk-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            var ns = lab.Add("mesh");
            var psk = Path.Combine(root, "etc", "swarm.key");
            var keygen = await RunAsync(ns, TimeSpan.FromSeconds(60), "keygen", "--psk", psk);
            Assert.True(keygen.Code == 0, keygen.Err);
            Assert.True(JsonDocument.Parse(keygen.Out).RootElement.GetProperty("pskCreated").GetBoolean());

            var relay = lab.Own(new AgentProcess(ns, "relay", Path.Combine(root, "relay"), $$"""
                  tunnel.libp2p:
                    listen: [/ip4/127.0.0.1/tcp/4001]
                    pskFile: {{psk}}
                  tunnel.relay:
                    relay: always
                    autorelay: false
                  directory.p2p: {}
                """));
            relay.Start();
            var status = await relay.WaitStatusAsync(s => s.TryGetProperty("libp2p", out var l) && l.TryGetProperty("peerId", out _), TimeSpan.FromSeconds(90), "a PeerId");
            Assert.False(status.GetProperty("libp2p").GetProperty("openMesh").GetBoolean());
            Assert.Equal("bound", status.GetProperty("relay").GetProperty("hop").GetProperty("members").GetString());
            Assert.DoesNotContain(relay.Log, l => l.Contains("open mesh", StringComparison.Ordinal));
            var relayAddr = "/ip4/127.0.0.1/tcp/4001/p2p/" + status.GetProperty("libp2p").GetProperty("peerId").GetString();

            // The outsider and the key holder go at the relay at the same time (own identity keys: --key).
            var outsiderPing = RunAsync(ns, TimeSpan.FromSeconds(60), "p2p", "ping", relayAddr, "--count", "1");
            using var outsiderListen = Listen(ns, "--key", Path.Combine(root, "outsider.key"), "--reserve", relayAddr);
            using var insiderListen = Listen(ns, "--key", Path.Combine(root, "insider.key"), "--reserve", relayAddr, "--psk", psk);
            var insiderPing = RunAsync(ns, TimeSpan.FromSeconds(60), "p2p", "ping", relayAddr, "--count", "1", "--psk", psk);

            var ping = await outsiderPing;
            output.WriteLine($"outsider ping: exit {ping.Code}: {ping.Err.Trim()}");
            Assert.NotEqual(0, ping.Code);
            var okPing = await insiderPing;
            Assert.True(okPing.Code == 0, okPing.Err);

            var outsider = JsonDocument.Parse(await outsiderListen.FirstLineAsync()).RootElement;
            var insider = JsonDocument.Parse(await insiderListen.FirstLineAsync()).RootElement;
            output.WriteLine($"outsider listen: {outsider}\ninsider listen: {insider}");
            Assert.Empty(outsider.GetProperty("circuitAddrs").EnumerateArray());
            Assert.NotEmpty(insider.GetProperty("circuitAddrs").EnumerateArray());

            // While the key holder still listens: it holds a reservation, as an outsider (its PeerId is bound
            // to no node name); the keyless peer holds none.
            var hop = (await relay.StatusAsync())!.Value.GetProperty("relay").GetProperty("hop");
            output.WriteLine($"relay hop: {hop}");
            var reserved = hop.GetProperty("reservedPeers").EnumerateArray().Select(p => p.GetString()).ToList();
            Assert.Contains(insider.GetProperty("peerId").GetString(), reserved);
            Assert.DoesNotContain(outsider.GetProperty("peerId").GetString(), reserved);
            Assert.Equal(reserved.Count, hop.GetProperty("outsiderReservations").GetInt32());
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private static ProcessStartInfo Cli(string ns, string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "dotnet", AgentPaths.HostDll, "--no-default-plugins", "--plugins-dir", AgentPaths.PluginsDir }.Concat(args)) psi.ArgumentList.Add(a);
        return psi;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string ns, TimeSpan timeout, params string[] args)
    {
        using var p = Process.Start(Cli(ns, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"pluginmesh {string.Join(' ', args)} did not end within {timeout.TotalSeconds:0} s");
        }
        return (p.ExitCode, await stdout, await stderr);
    }

    private static ListenProcess Listen(string ns, params string[] args) =>
        new(Process.Start(Cli(ns, ["p2p", "listen", "--listen", "/ip4/127.0.0.1/tcp/0", .. args]))!);

    /// <summary>A running <c>p2p listen</c>: its first JSON line comes after its reservations were waited for; disposing stops it.</summary>
    private sealed class ListenProcess(Process process) : IDisposable
    {
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public async Task<string> FirstLineAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            return await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("p2p listen printed nothing: " + await _stderr);
        }

        public void Dispose()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }
}
