using System.Text.Json;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Identify;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.P2p;
using PluginMesh.Plugins.Tunnel.Libp2p.Pnet;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Interop;

/// <summary>Against real js-libp2p 3.3.11 (the pinned harness), both directions.</summary>
[Collection(JsCollection.Name)]
public sealed class JsInteropTests(JsHarnessFixture js) : IDisposable
{
    private const long Echo64MiB = 64L << 20;
    private readonly string _tempDir = Directory.CreateTempSubdirectory("pm-js-").FullName;

    [Fact]
    public async Task CSharpDialsJs_Echo64MiB_IntactAndPingWorks()
    {
        var ct = TestTimeout.Token(180);
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(listen: false);
        var conn = await host.DialAsync(JsAddress(ready), ct);
        Assert.Equal(ready.GetProperty("peerId").GetString(), conn.RemotePeerId.ToString());
        Assert.True(await host.PingAsync(conn, ct) > TimeSpan.Zero);
        var s = await conn.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
        Assert.Equal(Echo64MiB, await EchoClient.RunAsync(s.Stream, Echo64MiB, ct));
    }

    [Fact]
    public async Task CSharpDialsJs_LazySelect_ProtocolProposedWithTheFirstBytes_EchoIntact()
    {
        var ct = TestTimeout.Token(120);
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(listen: false);
        var conn = await host.DialAsync(JsAddress(ready), ct);
        await conn.IdentifyTask.WaitAsync(ct);
        Assert.True(conn.RemoteSupports(EchoProtocol.ProtocolId));
        // js (as go-libp2p's lazy dialers need) takes the proposal and the data in one frame.
        var (_, lazy) = await conn.OpenLazyStreamAsync(EchoProtocol.ProtocolId, ct);
        Assert.Equal(4L << 20, await EchoClient.RunAsync(lazy, 4L << 20, ct));
    }

    [Fact]
    public async Task JsDialsCSharp_Echo64MiB_IntactAndPingWorks()
    {
        var ct = TestTimeout.Token(180);
        await using var host = await HostFactory.StartAsync();
        await using var jsPeer = JsProcess.Start(js, "dial", HostFactory.DialAddress(host).ToString(), "--echo-bytes", Echo64MiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var result = await jsPeer.NextAsync(null, ct);
        AssertOk(result, jsPeer);
        Assert.Equal(Echo64MiB, result.GetProperty("bytes").GetInt64());
        Assert.True(result.GetProperty("pingMs").GetDouble() >= 0);
        Assert.Equal(0, await jsPeer.WaitForExitAsync(ct));
    }

    [Fact]
    public async Task CSharpReadsJsIdentify_Fields()
    {
        var ct = TestTimeout.Token(60);
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(listen: false);
        var conn = await host.DialAsync(JsAddress(ready), ct);
        var info = await conn.IdentifyTask.WaitAsync(ct);
        Assert.NotNull(info);
        Assert.StartsWith("js-libp2p/3.3.11", info.AgentVersion, StringComparison.Ordinal);
        Assert.Equal("ipfs/0.1.0", info.ProtocolVersion);
        Assert.Contains(EchoProtocol.ProtocolId, info.Protocols);
        Assert.Contains(IdentifyProtocol.ProtocolId, info.Protocols);
        Assert.Contains(JsAddress(ready).WithoutPeerId(), info.ListenAddrs);
        Assert.Equal(conn.LocalAddress, info.ObservedAddr!.WithoutPeerId());
        Assert.True(conn.RemotePeerId.Matches(info.PublicKey!));
    }

    [Fact]
    public async Task JsReadsCSharpIdentify_Fields()
    {
        var ct = TestTimeout.Token(60);
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(); // listening, so listenAddrs is not empty
        var conn = await host.DialAsync(JsAddress(ready), ct);
        var seen = await jsPeer.NextAsync("identify", ct);
        Assert.Equal(host.PeerId.ToString(), seen.GetProperty("peerId").GetString());
        Assert.StartsWith("pluginmesh/", seen.GetProperty("agentVersion").GetString(), StringComparison.Ordinal);
        Assert.Equal("ipfs/0.1.0", seen.GetProperty("protocolVersion").GetString());
        var protocols = seen.GetProperty("protocols").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains(EchoProtocol.ProtocolId, protocols);
        Assert.Contains("/ipfs/ping/1.0.0", protocols);
        var listen = seen.GetProperty("listenAddrs").EnumerateArray().Select(a => Multiaddr.Parse(a.GetString()!).WithoutPeerId()).ToList();
        Assert.Contains(host.ListenAddresses[0], listen);
        var observed = Multiaddr.Parse(seen.GetProperty("observedAddr").GetString()!).WithoutPeerId();
        Assert.Equal(conn.RemoteAddress, observed);
    }

    [Fact]
    public async Task IdentifyPush_CSharpRegistersProtocol_JsLearnsIt()
    {
        var ct = TestTimeout.Token(60);
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync();
        var conn = await host.DialAsync(JsAddress(ready), ct);
        var info = await conn.IdentifyTask.WaitAsync(ct);
        Assert.Contains(IdentifyProtocol.PushProtocolId, info!.Protocols);
        await jsPeer.NextAsync("identify", ct);
        using var registration = host.SetStreamHandler("/test/pushed/1.0.0", (_, _) => Task.CompletedTask);
        while (true)
        {
            var update = await jsPeer.NextAsync("identify", ct);
            if (update.GetProperty("protocols").EnumerateArray().Any(p => p.GetString() == "/test/pushed/1.0.0")) break;
        }
    }

    [Fact]
    public async Task Pnet_SamePsk_BothWays_Works()
    {
        var ct = TestTimeout.Token(120);
        var psk = SwarmKey.Generate();
        var pskFile = WriteKey(psk);
        await using var jsPeer = JsProcess.Start(js, "listen", "--psk", pskFile);
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(psk);
        var s = await host.OpenStreamAsync(JsAddress(ready), EchoProtocol.ProtocolId, ct);
        Assert.Equal(4L << 20, await EchoClient.RunAsync(s.Stream, 4L << 20, ct));

        await using var jsDialer = JsProcess.Start(js, "dial", HostFactory.DialAddress(host).ToString(), "--echo-bytes", (4 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), "--psk", pskFile);
        AssertOk(await jsDialer.NextAsync(null, ct), jsDialer);
    }

    [Fact]
    public async Task Pnet_DifferentPsk_BothWays_FailsCleanly()
    {
        var ct = TestTimeout.Token(120);
        var jsKey = WriteKey(SwarmKey.Generate());
        await using var jsPeer = JsProcess.Start(js, "listen", "--psk", jsKey);
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(SwarmKey.Generate());

        // C# dials js: a clean IOException (TunnelException/MultistreamException/NoiseException), js stays up.
        await Assert.ThrowsAnyAsync<IOException>(() => host.DialAsync(JsAddress(ready), ct));
        Assert.False(jsPeer.HasExited);
        Assert.Empty(host.Connections);

        // js dials C#: js reports failure and exits non-zero; the C# host keeps no connection and still works.
        await using var jsDialer = JsProcess.Start(js, "dial", HostFactory.DialAddress(host).ToString(), "--psk", jsKey);
        var result = await jsDialer.NextAsync(null, ct);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(1, await jsDialer.WaitForExitAsync(ct));
        Assert.Empty(host.Connections);
        await using var sameKey = await HostFactory.StartAsync(SwarmKey.Parse(File.ReadAllText(jsKey)), listen: false);
        Assert.NotNull(await sameKey.DialAsync(JsAddress(ready), ct));
    }

    [Fact]
    public async Task CSharpDialsJs_256ConcurrentStreams_AllIntact()
    {
        var ct = TestTimeout.Token(180);
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync(listen: false);
        var conn = await host.DialAsync(JsAddress(ready), ct);
        var results = await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
        {
            var s = await conn.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
            return await EchoClient.RunAsync(s.Stream, 64 * 1024, ct);
        }));
        Assert.All(results, r => Assert.Equal(64 * 1024, r));
        Assert.Equal(0, conn.Session.RejectedStreams);
    }

    [Fact]
    public async Task JsDialsCSharp_256ConcurrentStreams_AllIntact()
    {
        var ct = TestTimeout.Token(180);
        await using var host = await HostFactory.StartAsync();
        await using var jsPeer = JsProcess.Start(js, "dial", HostFactory.DialAddress(host).ToString(), "--echo-bytes", "65536", "--streams", "256");
        var result = await jsPeer.NextAsync(null, ct);
        AssertOk(result, jsPeer);
        Assert.Equal(256L * 65536, result.GetProperty("bytes").GetInt64());
        Assert.All(host.Connections, c => Assert.Equal(0, c.Session.RejectedStreams));
    }

    [Fact]
    public async Task WrongExpectedPeer_BothWays_HandshakeFails()
    {
        var ct = TestTimeout.Token(60);
        using var stranger = PluginMesh.P2p.Crypto.PrivateKey.Generate();
        await using var jsPeer = JsProcess.Start(js, "listen");
        var ready = await jsPeer.NextAsync("ready", ct);
        await using var host = await HostFactory.StartAsync();
        var wrongJs = JsAddress(ready).WithPeerId(stranger.PeerId);
        var e = await Assert.ThrowsAsync<PluginMesh.Plugins.Tunnel.Libp2p.Noise.NoiseException>(() => host.DialAsync(wrongJs, ct));
        Assert.Contains(stranger.PeerId.ToString(), e.Message, StringComparison.Ordinal);

        var wrongCs = host.ListenAddresses[0].WithPeerId(stranger.PeerId).ToString();
        await using var jsDialer = JsProcess.Start(js, "dial", wrongCs);
        var result = await jsDialer.NextAsync(null, ct);
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Contains("does not match", result.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Connections);
    }

    private static Multiaddr JsAddress(JsonElement ready) => Multiaddr.Parse(ready.GetProperty("addrs")[0].GetString()!);

    private static void AssertOk(JsonElement result, JsProcess process) =>
        Assert.True(result.GetProperty("ok").GetBoolean(), $"js: {result}; stderr: {process.StandardError}");

    private string WriteKey(SwarmKey key)
    {
        var path = Path.Combine(_tempDir, Guid.NewGuid().ToString("n") + ".key");
        File.WriteAllText(path, key.ToFileText());
        return path;
    }

    public void Dispose() => Directory.Delete(_tempDir, recursive: true);
}
