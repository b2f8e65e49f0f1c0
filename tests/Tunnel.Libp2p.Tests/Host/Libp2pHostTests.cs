using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Identify;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Multistream;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;
using PluginMesh.Plugins.Tunnel.Libp2p.Pnet;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Host;

public sealed class Libp2pHostTests
{
    [Fact]
    public async Task Echo_16MiB_CSharpToCSharp_ComesBackIntact()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var s = await client.OpenStreamAsync(HostFactory.DialAddress(server), EchoProtocol.ProtocolId, ct);
        Assert.Equal(16L << 20, await EchoClient.RunAsync(s.Stream, 16L << 20, ct));
        Assert.True(s.Stream.ReceiveWindow > 256 * 1024, $"window stayed at {s.Stream.ReceiveWindow}");
    }

    [Fact]
    public async Task Identify_BothWays_ReadsFields()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var conn = await client.DialAsync(HostFactory.DialAddress(server), ct);
        var info = await conn.IdentifyTask.WaitAsync(ct);
        Assert.NotNull(info);
        Assert.StartsWith("pluginmesh/", info.AgentVersion, StringComparison.Ordinal);
        Assert.Equal("ipfs/0.1.0", info.ProtocolVersion);
        Assert.Contains(EchoProtocol.ProtocolId, info.Protocols);
        Assert.Contains(IdentifyProtocol.ProtocolId, info.Protocols);
        Assert.Equal(server.ListenAddresses, info.ListenAddrs);
        Assert.Equal(conn.LocalAddress, info.ObservedAddr);
    }

    [Fact]
    public async Task IdentifyPush_NewHandler_ReachesConnectedPeer()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var conn = await client.DialAsync(HostFactory.DialAddress(server), ct);
        await conn.IdentifyTask.WaitAsync(ct);
        await Eventually.TrueAsync(() => server.Connections.SingleOrDefault()?.RemoteIdentify is not null, "server identified the client");
        using var registration = server.SetStreamHandler("/test/late/1.0.0", (s, _) => Task.CompletedTask);
        await Eventually.TrueAsync(() => conn.RemoteIdentify?.Protocols.Contains("/test/late/1.0.0") == true, "push delivered the new protocol");
    }

    [Fact]
    public async Task Ping_ReturnsRtt()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var conn = await client.DialAsync(HostFactory.DialAddress(server), ct);
        for (var i = 0; i < 3; i++) Assert.True(await client.PingAsync(conn, ct) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Dial_ConcurrentToSamePeer_SharesOneConnection()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var addr = HostFactory.DialAddress(server);
        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.DialAsync(addr, ct)));
        Assert.All(all, c => Assert.Same(all[0], c));
        Assert.Single(client.Connections);
    }

    [Fact]
    public async Task Dial_WrongExpectedPeer_FailsHandshake()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        using var other = PrivateKey.Generate();
        var addr = server.ListenAddresses[0].WithPeerId(other.PeerId);
        var e = await Assert.ThrowsAsync<NoiseException>(() => client.DialAsync(addr, TestTimeout.Token()));
        Assert.Contains("expected", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenStream_UnknownProtocol_ReportsNotSupported()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var e = await Assert.ThrowsAsync<MultistreamException>(() => client.OpenStreamAsync(HostFactory.DialAddress(server), "/nope/1.0.0", TestTimeout.Token()));
        Assert.True(e.ProtocolNotSupported);
    }

    // Attack: an outsider without the PSK (or with another one) cannot complete a connection.
    [Fact]
    [Trait("Category", "Attack")]
    public async Task Pnet_SamePsk_Works_DifferentPsk_FailsCleanly()
    {
        var psk = SwarmKey.Generate();
        await using var server = await HostFactory.StartAsync(psk);
        await using (var good = await HostFactory.StartAsync(SwarmKey.Parse(psk.ToFileText()), listen: false))
        {
            var s = await good.OpenStreamAsync(HostFactory.DialAddress(server), EchoProtocol.ProtocolId, TestTimeout.Token());
            Assert.Equal(1 << 20, await EchoClient.RunAsync(s.Stream, 1 << 20, TestTimeout.Token()));
        }
        await using var bad = await HostFactory.StartAsync(SwarmKey.Generate(), listen: false);
        await Assert.ThrowsAnyAsync<IOException>(() => bad.DialAsync(HostFactory.DialAddress(server), TestTimeout.Token()));
        await using var none = await HostFactory.StartAsync(listen: false);
        await Assert.ThrowsAnyAsync<Exception>(() => none.DialAsync(HostFactory.DialAddress(server), TestTimeout.Token()));
    }

    [Fact]
    public async Task Echo_256ConcurrentStreams_AllIntact()
    {
        await using var server = await HostFactory.StartAsync();
        await using var client = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token(120);
        var conn = await client.DialAsync(HostFactory.DialAddress(server), ct);
        var results = await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
        {
            var s = await conn.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
            return await EchoClient.RunAsync(s.Stream, 64 * 1024, ct);
        }));
        Assert.All(results, r => Assert.Equal(64 * 1024, r));
    }
}
