using PluginMesh.P2p;
using System.Text.Json;

namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// tunnel.libp2p's <c>p2p</c> diagnostics through the real composition: the host finds the command among
/// the real plugins and composes each command's node as the agent's (<see cref="P2pCli"/>).
/// </summary>
public sealed class P2pCommandsTests : IAsyncDisposable
{
    private readonly P2pCli _cli = new(policies: Path.Combine(TestPaths.RepoRoot, "policies"));

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    [Fact]
    public async Task ListenThenDialAndPing_InProcess_ReportOk()
    {
        var listener = await _cli.ListenAsync("l", []);
        Assert.EndsWith("/p2p/" + listener.PeerId, listener.Address, StringComparison.Ordinal);

        var result = await _cli.DialAsync([listener.Address, "--echo-bytes", "3000000", "--streams", "3"]);
        Assert.True(result.GetProperty("ok").GetBoolean());
        Assert.Equal(9_000_000, result.GetProperty("bytes").GetInt64());

        var (code, output, error) = await _cli.RunAsync("p2p", "ping", listener.Address, "--count", "2");
        Assert.True(code == 0, error);
        Assert.Equal(2, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Dial_BadArguments_ExitCodeAndMessage()
    {
        var (code, _, error) = await _cli.RunAsync("p2p", "dial", "--bogus", "1");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --bogus", error, StringComparison.Ordinal);
        (code, _, error) = await _cli.RunAsync("p2p", "dial", "/ip4/1.2.3");
        Assert.Equal(1, code);
        Assert.Contains("/ip4 value '1.2.3'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_RefusedTarget_ExitsOneWithAMessage_NotACrash()
    {
        // Port 1 on loopback: nothing listens, so the dial is refused (a SocketException underneath).
        var (code, _, error) = await _cli.RunAsync("p2p", "ping", "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", "--count", "1");
        Assert.Equal(1, code);
        Assert.Contains("[tunnel.libp2p]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keygen_TopLevelName_CreatesTheKeyFileOnce()
    {
        var key = Path.Combine(_cli.Dir, "id.key");
        var first = await _cli.RunAsync("keygen", "--key", key);
        Assert.Equal(0, first.Code);
        var second = await _cli.RunAsync("p2p", "keygen", "--key", key);
        Assert.Equal(0, second.Code);
        Assert.Equal(JsonDocument.Parse(first.Out).RootElement.GetProperty("peerId").GetString(),
            JsonDocument.Parse(second.Out).RootElement.GetProperty("peerId").GetString());
        if (OperatingSystem.IsLinux()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }

    [Fact]
    public async Task Dial_ThrowawayIdentity_NothingWrittenToTheNodesKeyFile()
    {
        var listener = await _cli.ListenAsync("l", []);
        var first = await _cli.DialAsync([listener.Address, "--echo-bytes", "10"]);
        var second = await _cli.DialAsync([listener.Address, "--echo-bytes", "10"]);
        Assert.True(first.GetProperty("ok").GetBoolean() && second.GetProperty("ok").GetBoolean());
        Assert.False(File.Exists(Path.Combine(_cli.Dir, "data", "libp2p", "identity.key")), "a dialing command must not create the node's key");
    }

    [Fact]
    public async Task DialHolePunch_DeadAddressFirst_TheNodesFailoverPolicyDecides()
    {
        // The reported bug: with no policiesDir configured, p2p dial --hole-punch had a policy engine of
        // its own without a directory, so every failure logged "failover policy failed" and fell back.
        // Now the node's engine (policies beside the binary, here none: the built-in default) answers.
        await using var noPolicies = new P2pCli();
        var listener = await noPolicies.ListenAsync("l", []);
        var dead = "/ip4/127.0.0.1/tcp/1/p2p/" + listener.PeerId;
        var (code, output, error) = await noPolicies.RunAsync("p2p", "dial", dead, listener.Address, "--hole-punch", "--listen", "/ip4/127.0.0.1/tcp/0", "--echo-bytes", "1000");
        Assert.True(code == 0, output + error);
        Assert.DoesNotContain("failover policy failed", error, StringComparison.Ordinal);

        // A node whose failover.js gives up at the first failure: the same dial stops at the dead address.
        var policies = Path.Combine(_cli.Dir, "giveup");
        Directory.CreateDirectory(policies);
        await File.WriteAllTextAsync(Path.Combine(policies, "failover.js"), "function onFailure(input) { return { action: \"giveup\", delayMs: 0 }; }\n");
        await using var givingUp = new P2pCli(policies: policies);
        (code, output, error) = await givingUp.RunAsync("p2p", "dial", dead, listener.Address, "--hole-punch", "--listen", "/ip4/127.0.0.1/tcp/0", "--echo-bytes", "1000");
        Assert.True(code == 1, output + error);
        Assert.Contains("tcp/1", error, StringComparison.Ordinal);
        Assert.DoesNotContain("failover policy failed", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListenMdns_DiscoveredPeer_PrintedOnceAndConnected()
    {
        // Real mDNS on this host's interfaces, under a service name of this test's own so that no other
        // node on the machine answers; the flags map onto dns.mdns (DNS off, mDNS on, intervalMs).
        // mDNS never announces loopback addresses, so the listeners also listen on every interface, and
        // announce all scopes (this host's address may be a public or TEST-NET one).
        var service = $"_pm{Guid.NewGuid().ToString("n")[..8]}._udp.local";
        await using var cli = new P2pCli($"plugins:\n  dns.mdns:\n    mdns:\n      serviceName: {service}\n      advertise: all\n");
        string[] flags = ["--mdns", "--mdns-interval", "250", "--verbose", "--listen", "/ip4/0.0.0.0/tcp/0"];
        var a = await cli.ListenAsync("a", flags);
        using var stopB = new CancellationTokenSource();
        var b = await cli.ListenAsync("b", flags, stopB.Token);

        bool Sees(P2pCli.Listener who, P2pCli.Listener whom) => who.Output.Lines.Any(l => l.TryGetProperty("event", out var e) && e.GetString() == "mdns:peer" && l.GetProperty("peerId").GetString() == whom.PeerId);
        await Eventually.TrueAsync(() => Sees(a, b) && Sees(b, a), "each listener prints the other");
        // Whichever heard the other first dials; the other finds the connection already there.
        await Eventually.TrueAsync(() => a.Error.ToString().Contains($"discovered {b.PeerId} via mdns, connected", StringComparison.Ordinal)
            || b.Error.ToString().Contains($"discovered {a.PeerId} via mdns, connected", StringComparison.Ordinal), "the discovered peers are connected");
        await Task.Delay(1000); // four more announcements of b: still one line
        var peerLine = Assert.Single(a.Output.Lines, l => l.TryGetProperty("event", out var e) && e.GetString() == "mdns:peer");
        Assert.Equal(b.PeerId, peerLine.GetProperty("peerId").GetString());
        var announced = b.Ready.GetProperty("addrs").EnumerateArray().Select(x => Multiaddr.Parse(x.GetString()!)).Where(x => !x.IsLoopback && !x.IsLinkLocal).Select(x => x.ToString()).Order().ToArray();
        Assert.NotEmpty(announced);
        Assert.Equal(announced, peerLine.GetProperty("addrs").EnumerateArray().Select(x => x.GetString()!).Order().ToArray());
        Assert.False(a.Output.Lines[0].TryGetProperty("event", out _), "the ready line comes first");

        // Stopping b stops its discovery, which says goodbye: a hears it.
        await stopB.CancelAsync();
        Assert.Equal(0, await b.Run.WaitAsync(TestTimeout.Token()));
        await Eventually.TrueAsync(() => a.Error.ToString().Contains($"mDNS peer {b.PeerId}: goodbye", StringComparison.Ordinal), "b's goodbye reaches a");
    }

    [Theory]
    [InlineData("5", "config error: plugins.dns.mdns.mdns.intervalMs")]
    [InlineData("fast", "--mdns-interval must be an integer")]
    public async Task ListenMdns_BadInterval_ExitsOneNamingIt(string interval, string message)
    {
        var (code, _, error) = await _cli.RunAsync("p2p", "listen", "--mdns", "--mdns-interval", interval, "--listen", "/ip4/127.0.0.1/tcp/0");
        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListenMdns_DnsMdnsNotInstalled_ExitsTwoWithMessage()
    {
        // A plugins directory with tunnel.libp2p only.
        var only = Path.Combine(_cli.Dir, "only-tunnel");
        Directory.CreateDirectory(only);
        Directory.CreateSymbolicLink(Path.Combine(only, "Tunnel.Libp2p"), Path.Combine(TestPaths.PluginsDir, "Tunnel.Libp2p"));
        await using var cli = new P2pCli { PluginsDir = only };
        var (code, _, error) = await cli.RunAsync("p2p", "listen", "--mdns");
        Assert.Equal(2, code);
        Assert.Contains("needs the dns.mdns plugin", error, StringComparison.Ordinal);
    }
}
