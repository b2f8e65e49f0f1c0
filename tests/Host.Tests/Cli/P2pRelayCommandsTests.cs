namespace PluginMesh.Host.Tests.Cli;

/// <summary>
/// The <c>pluginmesh p2p</c> diagnostics with the relay plugin installed, through the real composition
/// (<see cref="P2pCli"/>): tunnel.libp2p's commands name tunnel.relay and the host adds it to their
/// nodes. Each command on its own node over 127.0.0.1: R = <c>p2p listen --relay-service</c>,
/// B = <c>p2p listen --reserve R</c>, and <c>p2p dial</c> as the client.
/// </summary>
public sealed class P2pRelayCommandsTests : IAsyncDisposable
{
    // The tunnel.libp2p section every command reads: loopback counts as public here, so DCUtR punches
    // to 127.0.0.1 (by default it skips private and loopback addresses, as js-libp2p does).
    private readonly P2pCli _cli = new("plugins:\n  tunnel.libp2p:\n    autonat:\n      treatAsPublic: [127.0.0.0/8]\n", Path.Combine(TestPaths.RepoRoot, "policies"));

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    [Fact]
    public async Task ListenReserve_ReadyLineHasCircuitAddrs_DialThroughItIsRelayed()
    {
        var relay = await _cli.ListenAsync("r", ["--relay-service", "--relay-unlimited"]);
        var b = await _cli.ListenAsync("b", ["--reserve", relay.Address]);
        var circuit = Assert.Single(b.Ready.GetProperty("circuitAddrs").EnumerateArray().Select(e => e.GetString()!), a => a.StartsWith("/ip4/127.0.0.1/", StringComparison.Ordinal));
        Assert.Equal(relay.Address + "/p2p-circuit/p2p/" + b.PeerId, circuit);

        var result = await _cli.DialAsync([circuit, "--echo-bytes", "1000000", "--streams", "2"]);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("relayed", result.GetProperty("path").GetString());
        Assert.Equal(b.PeerId, result.GetProperty("peerId").GetString());
        Assert.Equal(2_000_000, result.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Dial_DirectAndCircuitAddressesOfOnePeer_DirectFirst_ThenRelayWhenDirectIsDead()
    {
        var relay = await _cli.ListenAsync("r", ["--relay-service", "--relay-unlimited"]);
        var b = await _cli.ListenAsync("b", ["--reserve", relay.Address]);
        var circuit = b.Ready.GetProperty("circuitAddrs")[0].GetString()!;

        var both = await _cli.DialAsync([circuit, b.Address, "--echo-bytes", "100000"]);
        Assert.Equal("direct", both.GetProperty("path").GetString());

        // A direct address where nothing listens (same peer id): the path order falls through to the relay.
        var dead = "/ip4/127.0.0.1/tcp/1/p2p/" + b.PeerId;
        var fallback = await _cli.DialAsync([dead, circuit, "--echo-bytes", "100000"]);
        Assert.True(fallback.GetProperty("ok").GetBoolean(), fallback.ToString());
        Assert.Equal("relayed", fallback.GetProperty("path").GetString());
    }

    [Fact]
    public async Task HolePunch_WaitDirect_DataRunsOnTheHolePunchedConnection()
    {
        var relay = await _cli.ListenAsync("r", ["--relay-service", "--relay-unlimited"]);
        var b = await _cli.ListenAsync("b", ["--reserve", relay.Address, "--hole-punch", "--verbose"]);
        var circuit = b.Ready.GetProperty("circuitAddrs")[0].GetString()!;

        var result = await _cli.DialAsync([circuit, "--hole-punch", "--listen", "/ip4/127.0.0.1/tcp/0", "--wait-direct", "20000", "--echo-bytes", "500000"]);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.True(result.GetProperty("path").GetString() == "hole-punched", $"{result}\n{_cli.ListenerLogs}");
        Assert.DoesNotContain("/p2p-circuit", result.GetProperty("address").GetString()!, StringComparison.Ordinal);
        Assert.True(result.GetProperty("waitedMs").GetInt64() >= 0);

        // Without --hole-punch on the dialer the connection stays relayed.
        var plain = await _cli.DialAsync([circuit, "--echo-bytes", "1000"]);
        Assert.Equal("relayed", plain.GetProperty("path").GetString());
    }

    [Fact]
    public async Task RelayGoesAway_ListenerPrintsAnUpdatedCircuitLine()
    {
        using var relayStop = new CancellationTokenSource();
        var relay = await _cli.ListenAsync("r", ["--relay-service"], relayStop.Token);
        var b = await _cli.ListenAsync("b", ["--reserve", relay.Address]);
        Assert.NotEmpty(b.Ready.GetProperty("circuitAddrs").EnumerateArray());

        await relayStop.CancelAsync();
        Assert.Equal(0, await relay.Run.WaitAsync(TestTimeout.Token()));
        var update = await b.Output.WaitForAsync(l => l.TryGetProperty("event", out var e) && e.GetString() == "circuitAddrs", TestTimeout.Token());
        Assert.Empty(update.GetProperty("circuitAddrs").EnumerateArray());
        Assert.Equal(b.PeerId, update.GetProperty("peerId").GetString());
    }

    [Fact]
    public async Task OutsiderLimits_WithoutPskOrUnlimited_ACircuitIsCutAfter128KiB()
    {
        var relay = await _cli.ListenAsync("r", ["--relay-service"]);
        var b = await _cli.ListenAsync("b", ["--reserve", relay.Address]);
        var result = await _cli.DialAsync([b.Ready.GetProperty("circuitAddrs")[0].GetString()!, "--echo-bytes", "1000000"], expectedExit: 1);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.True(result.GetProperty("bytes").GetInt64() < 1_000_000);
    }

    [Fact]
    public async Task SamePsk_MembersGetUnlimitedCircuits()
    {
        var psk = Path.Combine(_cli.Dir, "swarm.key");
        await File.WriteAllTextAsync(psk, "/key/swarm/psk/1.0.0/\n/base16/\n" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        var relay = await _cli.ListenAsync("r", ["--relay-service", "--psk", psk]);
        var b = await _cli.ListenAsync("b", ["--reserve", relay.Address, "--psk", psk]);
        var result = await _cli.DialAsync([b.Ready.GetProperty("circuitAddrs")[0].GetString()!, "--echo-bytes", "1000000", "--psk", psk]);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("relayed", result.GetProperty("path").GetString());
    }

    [Fact]
    public async Task UsageErrors_NamedAndNoCrash()
    {
        // A plugins directory without tunnel.relay.
        var only = Path.Combine(_cli.Dir, "only-tunnel");
        Directory.CreateDirectory(only);
        Directory.CreateSymbolicLink(Path.Combine(only, "Tunnel.Libp2p"), Path.Combine(TestPaths.PluginsDir, "Tunnel.Libp2p"));
        await using var noRelay = new P2pCli { PluginsDir = only };
        var (code, _, error) = await noRelay.RunAsync("p2p", "listen", "--relay-service");
        Assert.Equal(2, code);
        Assert.Contains("needs the tunnel.relay plugin", error, StringComparison.Ordinal);

        (code, _, error) = await noRelay.RunAsync("p2p", "dial", "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm");
        Assert.Equal(2, code);
        Assert.Contains("needs the tunnel.relay plugin", error, StringComparison.Ordinal);

        (code, _, error) = await _cli.RunAsync("p2p", "dial", "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", "/ip4/127.0.0.1/tcp/2/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK");
        Assert.Equal(1, code);
        Assert.Contains("2 different peers", error, StringComparison.Ordinal);

        (code, _, error) = await _cli.RunAsync("p2p", "dial", "/ip4/127.0.0.1/tcp/1", "--wait-direct", "100");
        Assert.Equal(1, code);
        Assert.Contains("need --hole-punch", error, StringComparison.Ordinal);

        (code, _, error) = await _cli.RunAsync("p2p", "listen", "--reserve", "/ip4/127.0.0.1/tcp/1", "--listen", "/ip4/127.0.0.1/tcp/0", "--key", Path.Combine(_cli.Dir, "k"));
        Assert.Equal(1, code);
        Assert.Contains("not a relay multiaddr", error, StringComparison.Ordinal);
    }
}
