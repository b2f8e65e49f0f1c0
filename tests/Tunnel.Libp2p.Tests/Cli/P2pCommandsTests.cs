using System.Text.Json;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Cli;

public sealed class P2pCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-cli-").FullName;

    [Fact]
    public async Task ListenThenDialAndPing_InProcess_ReportOk()
    {
        using var stop = new CancellationTokenSource();
        var listenOut = new BlockingWriter();
        var listen = Run("p2p listen", ["--listen", "/ip4/127.0.0.1/tcp/0", "--key", Path.Combine(_dir, "k")], listenOut, stop.Token);
        var ready = JsonDocument.Parse(await listenOut.FirstLineAsync(TestTimeout.Token())).RootElement;
        var addr = ready.GetProperty("addrs")[0].GetString()!;
        Assert.EndsWith("/p2p/" + ready.GetProperty("peerId").GetString(), addr, StringComparison.Ordinal);

        var dialOut = new StringWriter();
        Assert.Equal(0, await Run("p2p dial", [addr, "--echo-bytes", "3000000", "--streams", "3"], dialOut, TestTimeout.Token()));
        var result = JsonDocument.Parse(dialOut.ToString()).RootElement;
        Assert.True(result.GetProperty("ok").GetBoolean());
        Assert.Equal(9_000_000, result.GetProperty("bytes").GetInt64());

        var pingOut = new StringWriter();
        Assert.Equal(0, await Run("p2p ping", [addr, "--count", "2"], pingOut, TestTimeout.Token()));
        Assert.Equal(2, pingOut.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        await stop.CancelAsync();
        Assert.Equal(0, await listen);
    }

    [Fact]
    public async Task Dial_BadArguments_ExitCodeAndMessage()
    {
        var err = new StringWriter();
        Assert.Equal(2, await Run("p2p dial", ["--bogus", "1"], new StringWriter(), TestTimeout.Token(), err));
        Assert.Contains("unknown option --bogus", err.ToString(), StringComparison.Ordinal);
        err = new StringWriter();
        Assert.Equal(1, await Run("p2p dial", ["/ip4/1.2.3"], new StringWriter(), TestTimeout.Token(), err));
        Assert.Contains("/ip4 value '1.2.3'", err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_RefusedTarget_ExitsOneWithAMessage_NotACrash()
    {
        // Port 1 on loopback: nothing listens, so the dial is refused (a SocketException underneath).
        var err = new StringWriter();
        Assert.Equal(1, await Run("p2p ping", ["/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", "--count", "1"], new StringWriter(), TestTimeout.Token(), err));
        Assert.Contains("[tunnel.libp2p]", err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keygen_TopLevelName_CreatesTheKeyFileOnce()
    {
        var key = Path.Combine(_dir, "id.key");
        var first = new StringWriter();
        Assert.Equal(0, await Run("keygen", ["--key", key], first, TestTimeout.Token()));
        var second = new StringWriter();
        Assert.Equal(0, await Run("p2p keygen", ["--key", key], second, TestTimeout.Token()));
        Assert.Equal(JsonDocument.Parse(first.ToString()).RootElement.GetProperty("peerId").GetString(),
            JsonDocument.Parse(second.ToString()).RootElement.GetProperty("peerId").GetString());
        if (OperatingSystem.IsLinux()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }

    [Fact]
    public async Task ListenMdns_DiscoveredPeer_PrintedOnceAndConnected()
    {
        using var stop = new CancellationTokenSource();
        var ct = TestTimeout.Token();
        await using var other = await HostFactory.StartAsync();
        var mdns = new FakeDiscovery();
        var output = new BlockingWriter();
        var listen = Run("p2p listen", ["--listen", "/ip4/127.0.0.1/tcp/0", "--key", Path.Combine(_dir, "k"), "--mdns", "--mdns-interval", "250"], output, stop.Token, providers: [mdns]);
        var ready = JsonDocument.Parse(await output.FirstLineAsync(ct)).RootElement;
        await mdns.Started.Task.WaitAsync(ct);
        Assert.Equal("250", mdns.Options!["interval"]);
        Assert.Equal(ready.GetProperty("peerId").GetString(), mdns.Advertised!.PeerId.ToString());
        Assert.Equal(ready.GetProperty("addrs")[0].GetString(), mdns.Advertised.Addresses[0].ToString());

        var addr = HostFactory.DialAddress(other).ToString();
        mdns.Announce(other.PeerId.ToString(), [addr]);
        mdns.Announce(other.PeerId.ToString(), [addr]);
        var listenerId = PluginMesh.P2p.PeerId.Parse(ready.GetProperty("peerId").GetString()!);
        await Eventually.TrueAsync(() => other.GetConnection(listenerId) is not null, "the listener connects to the discovered peer");
        await Eventually.TrueAsync(() => output.ToString().Contains("mdns:peer", StringComparison.Ordinal), "the peer line is printed");

        await stop.CancelAsync();
        Assert.Equal(0, await listen);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var peerLine = JsonDocument.Parse(Assert.Single(lines, l => l.Contains("mdns:peer", StringComparison.Ordinal))).RootElement;
        Assert.Equal(other.PeerId.ToString(), peerLine.GetProperty("peerId").GetString());
        Assert.Equal(addr, peerLine.GetProperty("addrs")[0].GetString());
        Assert.True(mdns.Disposed);
    }

    [Fact]
    public async Task ListenMdns_NoMdnsProvider_ExitsTwoWithMessage()
    {
        var err = new StringWriter();
        Assert.Equal(2, await Run("p2p listen", ["--mdns"], new StringWriter(), TestTimeout.Token(), err, providers: [new FakeDiscovery("other")]));
        Assert.Contains("needs the dns.mdns plugin", err.ToString(), StringComparison.Ordinal);
    }

    private Task<int> Run(string name, string[] args, TextWriter output, CancellationToken ct, TextWriter? error = null, IReadOnlyList<PluginMesh.Abstractions.Discovery.IStandaloneDiscoveryProvider>? providers = null)
    {
        var command = new TunnelLibp2pPlugin().Commands.Single(c => c.Name == name);
        var context = new PluginCommandContext(args, output, error ?? TextWriter.Null,
            new NodeSettings("n", _dir, _dir), new DictionaryConfiguration(new Dictionary<string, string?>()), ct)
        {
            DiscoveryProviders = providers ?? [],
        };
        return command.RunAsync(context);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Captures output and lets a test await the first complete line.</summary>
    private sealed class BlockingWriter : StringWriter
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task WriteLineAsync(string? value)
        {
            _line.TrySetResult(value ?? "");
            return base.WriteLineAsync(value);
        }

        public Task<string> FirstLineAsync(CancellationToken ct) => _line.Task.WaitAsync(ct);
    }
}
