using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Host;

public sealed class ConnectionLimitsTests
{
    [Fact]
    public async Task MaxConnections_ExtraInboundIsClosed_ExistingKeepsWorking()
    {
        using var key = PrivateKey.Generate();
        await using var server = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = key,
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            MaxConnections = 1,
        });
        await server.StartAsync();
        await using var first = await HostFactory.StartAsync(listen: false);
        await using var second = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var conn = await first.DialAsync(HostFactory.DialAddress(server), ct);
        await Eventually.TrueAsync(() => server.Connections.Count == 1, "server registered the first connection");
        await Assert.ThrowsAnyAsync<IOException>(() => second.DialAsync(HostFactory.DialAddress(server), ct));
        var s = await conn.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
        Assert.Equal(10_000, await EchoClient.RunAsync(s.Stream, 10_000, ct));
    }

    [Fact]
    public async Task IdleTimeout_ClosesIdleConnection_KeepsOneWithOpenStream()
    {
        using var key = PrivateKey.Generate();
        await using var server = new Libp2pHost(new Libp2pHostOptions
        {
            Identity = key,
            ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
            IdleTimeout = TimeSpan.FromMilliseconds(300),
        });
        await server.StartAsync();
        await using var idleClient = await HostFactory.StartAsync(listen: false);
        await using var busyClient = await HostFactory.StartAsync(listen: false);
        var ct = TestTimeout.Token();
        var busy = await busyClient.DialAsync(HostFactory.DialAddress(server), ct);
        var held = await busy.OpenStreamAsync(EchoProtocol.ProtocolId, ct);
        var idle = await idleClient.DialAsync(HostFactory.DialAddress(server), ct);
        await idle.Session.Completion.WaitAsync(ct);
        Assert.False(busy.IsClosed);
        Assert.Equal(5_000, await EchoClient.RunAsync(held.Stream, 5_000, ct));
    }
}
