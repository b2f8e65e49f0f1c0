using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Multiaddrs;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Plugin;

public sealed class MeshTunnelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-tunnel-").FullName;

    [Fact]
    public async Task OpenStream_HandlerRegisteredBeforeStart_ServesThroughAbstractions()
    {
        var ct = TestTimeout.Token();
        await using var serverNode = Node("server");
        await using var clientNode = Node("client");
        var server = new MeshTunnel(serverNode);
        var client = new MeshTunnel(clientNode);
        using var registration = server.RegisterHandler("/test/upper/1.0.0", async (stream, token) =>
        {
            using var reader = new StreamReader(stream.Stream);
            var text = await reader.ReadToEndAsync(token);
            var bytes = System.Text.Encoding.ASCII.GetBytes(text.ToUpperInvariant() + " from " + stream.Remote.PeerId);
            await stream.Stream.WriteAsync(bytes, token);
            await stream.CloseWriteAsync(token);
        });
        await serverNode.StartAsync(ct);
        await clientNode.StartAsync(ct);
        var addr = serverNode.Host!.ListenAddresses[0].ToString();

        await using var s = await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId, Addresses: [addr]), "/test/upper/1.0.0", ct);
        Assert.Equal(server.LocalPeerId, s.Remote.PeerId);
        await s.Stream.WriteAsync("hello"u8.ToArray(), ct);
        await s.CloseWriteAsync(ct);
        using var back = new StreamReader(s.Stream);
        Assert.Equal("HELLO from " + client.LocalPeerId, await back.ReadToEndAsync(ct));

        var e = await Assert.ThrowsAsync<TunnelException>(async () => await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId), "/nope/1", ct));
        Assert.Equal(TunnelFailure.ProtocolNotSupported, e.Failure);
    }

    [Fact]
    public async Task OpenStream_IsTraced_WithPathConnectionAndFailedPaths()
    {
        using var recorder = new SpanRecorder();
        var ct = TestTimeout.Token();
        await using var serverNode = Node("traced-server");
        await using var clientNode = Node("traced-client");
        var server = new MeshTunnel(serverNode);
        var client = new MeshTunnel(clientNode, activities: recorder.Source);
        using var registration = server.RegisterHandler("/test/sink/1.0.0", (stream, token) => stream.CloseWriteAsync(token).AsTask());
        await serverNode.StartAsync(ct);
        await clientNode.StartAsync(ct);
        var good = serverNode.Host!.ListenAddresses[0].ToString();
        var dead = await UnusedAddressAsync();

        // A dead address first: the failover default moves on to the good one, and the span says so.
        await (await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId, Addresses: [dead, good]), "/test/sink/1.0.0", ct)).DisposeAsync();
        await (await client.OpenStreamAsync(new PeerTarget(PeerId: server.LocalPeerId), "/test/sink/1.0.0", ct)).DisposeAsync();
        await Assert.ThrowsAsync<TunnelException>(async () => await client.OpenStreamAsync(new PeerTarget(Addresses: [dead]), "/test/sink/1.0.0", ct));

        var all = recorder.Spans;
        Assert.Equal(3, all.Length);
        Assert.All(all, a => Assert.Equal("pluginmesh.tunnel.open", a.OperationName));
        var (first, second, failed) = (all[0], all[1], all[2]);
        Assert.Equal(("direct", "new", server.LocalPeerId), (first.GetTagItem("pluginmesh.path"), first.GetTagItem("pluginmesh.connection"), first.GetTagItem("pluginmesh.peer")));
        Assert.Equal(2, first.GetTagItem("pluginmesh.attempts"));
        var failedPath = Assert.Single(first.Events);
        Assert.Equal("path.failed", failedPath.Name);
        Assert.Equal("refused", failedPath.Tags.First(t => t.Key == "pluginmesh.reason").Value);
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Unset, first.Status);
        Assert.Equal(("direct", "existing"), (second.GetTagItem("pluginmesh.path"), second.GetTagItem("pluginmesh.connection")));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, failed.Status);
        Assert.Null(failed.GetTagItem("pluginmesh.path"));
    }

    private static async Task<string> UnusedAddressAsync()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await Task.Yield();
        return $"/ip4/127.0.0.1/tcp/{port}";
    }

    [Fact]
    public async Task OpenStream_RefusedAddress_IsRefusedValue()
    {
        await using var node = Node("lonely");
        await node.StartAsync(TestTimeout.Token());
        var port = node.Host!.ListenAddresses[0].Components[1].ValueText();
        await node.StopAsync(default);
        await using var other = Node("dialer");
        await other.StartAsync(TestTimeout.Token());
        var e = await Assert.ThrowsAsync<TunnelException>(async () =>
            await new MeshTunnel(other).OpenStreamAsync(new PeerTarget(Addresses: [$"/ip4/127.0.0.1/tcp/{port}"]), "/x", TestTimeout.Token()));
        Assert.Equal(TunnelFailure.Refused, e.Failure);
    }

    private Libp2pNodeService Node(string name) => new(new Libp2pOptions
    {
        KeyFile = Path.Combine(_dir, name + ".key"),
        Listen = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")],
    }, NullLoggerFactory.Instance);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
