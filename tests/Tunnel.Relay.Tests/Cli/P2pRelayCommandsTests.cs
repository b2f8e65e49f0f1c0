using System.Text.Json;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Plugin;
using PluginMesh.Plugins.Tunnel.Relay.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Cli;

/// <summary>
/// The <c>pluginmesh p2p</c> diagnostics with the relay plugin loaded, run in-process exactly as the
/// CLI runs them (tunnel.libp2p's commands, tunnel.relay as the standalone relay provider), each
/// command on its own node over 127.0.0.1: R = <c>p2p listen --relay-service</c>, B = <c>p2p listen
/// --reserve R</c>, and <c>p2p dial</c> as the client.
/// </summary>
public sealed class P2pRelayCommandsTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-relay-cli-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task<int>> _listeners = [];
    private readonly List<(string Name, StringWriter Error)> _errors = [];

    /// <summary>What the listeners logged on stderr, for failure messages.</summary>
    private string ListenerLogs => string.Join("\n", _errors.Select(e => $"--- {e.Name} stderr:\n{e.Error}"));

    [Fact]
    public async Task ListenReserve_ReadyLineHasCircuitAddrs_DialThroughItIsRelayed()
    {
        var relay = await ListenAsync("r", ["--relay-service", "--relay-unlimited"]);
        var relayAddr = relay.Ready.GetProperty("addrs")[0].GetString()!;
        var b = await ListenAsync("b", ["--reserve", relayAddr]);
        var bId = b.Ready.GetProperty("peerId").GetString()!;
        var circuit = Assert.Single(b.Ready.GetProperty("circuitAddrs").EnumerateArray().Select(e => e.GetString()!), a => a.StartsWith("/ip4/127.0.0.1/", StringComparison.Ordinal));
        Assert.Equal(relayAddr + "/p2p-circuit/p2p/" + bId, circuit);

        var result = await DialAsync([circuit, "--echo-bytes", "1000000", "--streams", "2"]);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("relayed", result.GetProperty("path").GetString());
        Assert.Equal(bId, result.GetProperty("peerId").GetString());
        Assert.Equal(2_000_000, result.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Dial_DirectAndCircuitAddressesOfOnePeer_DirectFirst_ThenRelayWhenDirectIsDead()
    {
        var relay = await ListenAsync("r", ["--relay-service", "--relay-unlimited"]);
        var b = await ListenAsync("b", ["--reserve", relay.Ready.GetProperty("addrs")[0].GetString()!]);
        var direct = b.Ready.GetProperty("addrs")[0].GetString()!;
        var circuit = b.Ready.GetProperty("circuitAddrs")[0].GetString()!;

        var both = await DialAsync([circuit, direct, "--echo-bytes", "100000"]);
        Assert.Equal("direct", both.GetProperty("path").GetString());

        // A direct address where nothing listens (same peer id): the path order falls through to the relay.
        var dead = "/ip4/127.0.0.1/tcp/1/p2p/" + b.Ready.GetProperty("peerId").GetString();
        var fallback = await DialAsync([dead, circuit, "--echo-bytes", "100000"]);
        Assert.True(fallback.GetProperty("ok").GetBoolean(), fallback.ToString());
        Assert.Equal("relayed", fallback.GetProperty("path").GetString());
    }

    [Fact]
    public async Task HolePunch_WaitDirect_DataRunsOnTheHolePunchedConnection()
    {
        var relay = await ListenAsync("r", ["--relay-service", "--relay-unlimited"]);
        var b = await ListenAsync("b", ["--reserve", relay.Ready.GetProperty("addrs")[0].GetString()!, "--hole-punch", "--verbose"]);
        var circuit = b.Ready.GetProperty("circuitAddrs")[0].GetString()!;

        var result = await DialAsync([circuit, "--hole-punch", "--listen", "/ip4/127.0.0.1/tcp/0", "--wait-direct", "20000", "--echo-bytes", "500000"]);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.True(result.GetProperty("path").GetString() == "hole-punched", $"{result}\n{ListenerLogs}");
        Assert.DoesNotContain("/p2p-circuit", result.GetProperty("address").GetString()!, StringComparison.Ordinal);
        Assert.True(result.GetProperty("waitedMs").GetInt64() >= 0);

        // Without --hole-punch on the dialer the connection stays relayed.
        var plain = await DialAsync([circuit, "--echo-bytes", "1000"]);
        Assert.Equal("relayed", plain.GetProperty("path").GetString());
    }

    [Fact]
    public async Task RelayGoesAway_ListenerPrintsAnUpdatedCircuitLine()
    {
        using var relayStop = new CancellationTokenSource();
        var relay = await ListenAsync("r", ["--relay-service"], relayStop.Token);
        var b = await ListenAsync("b", ["--reserve", relay.Ready.GetProperty("addrs")[0].GetString()!]);
        Assert.NotEmpty(b.Ready.GetProperty("circuitAddrs").EnumerateArray());

        await relayStop.CancelAsync();
        Assert.Equal(0, await relay.Run.WaitAsync(TestTimeout.Token()));
        var update = await b.Output.WaitForAsync(l => l.TryGetProperty("event", out var e) && e.GetString() == "circuitAddrs", TestTimeout.Token());
        Assert.Empty(update.GetProperty("circuitAddrs").EnumerateArray());
        Assert.Equal(b.Ready.GetProperty("peerId").GetString(), update.GetProperty("peerId").GetString());
    }

    [Fact]
    public async Task OutsiderLimits_WithoutPskOrUnlimited_ACircuitIsCutAfter128KiB()
    {
        var relay = await ListenAsync("r", ["--relay-service"]);
        var b = await ListenAsync("b", ["--reserve", relay.Ready.GetProperty("addrs")[0].GetString()!]);
        var result = await DialAsync([b.Ready.GetProperty("circuitAddrs")[0].GetString()!, "--echo-bytes", "1000000"], expectedExit: 1);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.True(result.GetProperty("bytes").GetInt64() < 1_000_000);
    }

    [Fact]
    public async Task SamePsk_MembersGetUnlimitedCircuits()
    {
        var psk = Path.Combine(_dir, "swarm.key");
        await File.WriteAllTextAsync(psk, "/key/swarm/psk/1.0.0/\n/base16/\n" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        var relay = await ListenAsync("r", ["--relay-service", "--psk", psk]);
        var b = await ListenAsync("b", ["--reserve", relay.Ready.GetProperty("addrs")[0].GetString()!, "--psk", psk]);
        var result = await DialAsync([b.Ready.GetProperty("circuitAddrs")[0].GetString()!, "--echo-bytes", "1000000", "--psk", psk]);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.Equal("relayed", result.GetProperty("path").GetString());
    }

    [Fact]
    public async Task UsageErrors_NamedAndNoCrash()
    {
        var err = new StringWriter();
        Assert.Equal(2, await Run("p2p listen", ["--relay-service"], new StringWriter(), TestTimeout.Token(), err, relays: []));
        Assert.Contains("needs the tunnel.relay plugin", err.ToString(), StringComparison.Ordinal);

        err = new StringWriter();
        Assert.Equal(2, await Run("p2p dial", ["/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm"], new StringWriter(), TestTimeout.Token(), err, relays: []));
        Assert.Contains("needs the tunnel.relay plugin", err.ToString(), StringComparison.Ordinal);

        err = new StringWriter();
        Assert.Equal(1, await Run("p2p dial", ["/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", "/ip4/127.0.0.1/tcp/2/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK"], new StringWriter(), TestTimeout.Token(), err));
        Assert.Contains("2 different peers", err.ToString(), StringComparison.Ordinal);

        err = new StringWriter();
        Assert.Equal(1, await Run("p2p dial", ["/ip4/127.0.0.1/tcp/1", "--wait-direct", "100"], new StringWriter(), TestTimeout.Token(), err));
        Assert.Contains("need --hole-punch", err.ToString(), StringComparison.Ordinal);

        err = new StringWriter();
        Assert.Equal(1, await Run("p2p listen", ["--reserve", "/ip4/127.0.0.1/tcp/1", "--listen", "/ip4/127.0.0.1/tcp/0", "--key", Path.Combine(_dir, "k")], new StringWriter(), TestTimeout.Token(), err));
        Assert.Contains("not a relay multiaddr", err.ToString(), StringComparison.Ordinal);
    }

    private async Task<(JsonElement Ready, LineWriter Output, Task<int> Run)> ListenAsync(string name, string[] args, CancellationToken stop = default)
    {
        var output = new LineWriter();
        var error = new StringWriter();
        _errors.Add((name, error));
        var token = stop.CanBeCanceled ? stop : _stop.Token;
        var run = Run("p2p listen", [.. args, "--listen", "/ip4/127.0.0.1/tcp/0", "--key", Path.Combine(_dir, name + ".key")], output, token, error);
        _listeners.Add(run);
        var ready = await output.WaitForAsync(_ => true, TestTimeout.Token()).WaitAsync(TestTimeout.Token());
        return (ready, output, run);
    }

    private async Task<JsonElement> DialAsync(string[] args, int expectedExit = 0)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await Run("p2p dial", args, output, TestTimeout.Token(), error);
        Assert.True(exit == expectedExit, $"p2p dial exited {exit}: {output}{error}\n{ListenerLogs}");
        return JsonDocument.Parse(output.ToString()).RootElement;
    }

    private Task<int> Run(string name, string[] args, TextWriter output, CancellationToken ct, TextWriter? error = null, IReadOnlyList<IStandaloneRelayProvider>? relays = null)
    {
        var command = new TunnelLibp2pPlugin().Commands.Single(c => c.Name == name);
        // The tunnel.libp2p section every command reads: loopback counts as public here, so DCUtR
        // punches to 127.0.0.1 (by default it skips private and loopback addresses, as js-libp2p does).
        var section = new Dictionary<string, string?> { ["autonat:treatAsPublic:0"] = "127.0.0.0/8" };
        var context = new PluginCommandContext(args, output, error ?? TextWriter.Null,
            new NodeSettings("n", _dir, _dir), new DictionaryConfiguration(section), ct)
        {
            RelayProviders = relays ?? [new TunnelRelayPlugin()],
        };
        return command.RunAsync(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var l in _listeners)
        {
            try
            {
                await l.WaitAsync(TestTimeout.Token());
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Captures a command's JSON lines and lets a test await one that matches.</summary>
    private sealed class LineWriter : StringWriter
    {
        private readonly List<JsonElement> _lines = [];
        private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task WriteLineAsync(string? value)
        {
            TaskCompletionSource more;
            lock (_lines)
            {
                _lines.Add(JsonDocument.Parse(value ?? "null").RootElement.Clone());
                more = _more;
                _more = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            more.TrySetResult();
            return base.WriteLineAsync(value);
        }

        public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, CancellationToken ct)
        {
            while (true)
            {
                Task more;
                lock (_lines)
                {
                    foreach (var l in _lines)
                    {
                        if (match(l)) return l;
                    }
                    more = _more.Task;
                }
                await more.WaitAsync(ct);
            }
        }
    }
}
