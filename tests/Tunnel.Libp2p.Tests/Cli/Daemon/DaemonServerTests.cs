using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.P2p;
using PluginMesh.P2p.Protobuf;
using PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Cli.Daemon;

/// <summary>
/// The daemon control protocol over real hosts on loopback and a real unix socket, driven by a
/// client written from the protocol (<see cref="DaemonControl"/>).
/// </summary>
public sealed class DaemonServerTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-daemon-").FullName;
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(Libp2pHost Host, DaemonControl Control)> StartAsync(string name, bool listen = true)
    {
        var host = await HostFactory.StartAsync(listen: listen);
        _owned.Add(host);
        var server = new DaemonServer(host, NullLogger.Instance);
        _owned.Add(server);
        var path = Path.Combine(_dir, name + ".sock");
        server.Start(path);
        return (host, new DaemonControl(path));
    }

    [Fact]
    public async Task Identify_AnswersPeerIdMultihashAndListenAddresses()
    {
        var (host, control) = await StartAsync("a");
        var response = await control.RequestAsync(DaemonControl.Identify());
        Assert.True(response.Ok, response.Error);
        Assert.Equal(host.PeerId, PeerId.FromMultihash(response.Id));
        Assert.Equal(host.ListenAddresses, response.Addrs);
    }

    [Fact]
    public async Task ConnectListPeersDisconnect_BothSidesSeeTheConnectionAndItsEnd()
    {
        var (a, controlA) = await StartAsync("a", listen: false);
        var (b, controlB) = await StartAsync("b");
        Assert.Empty((await controlA.RequestAsync(DaemonControl.ListPeers())).Peers);

        var identify = await controlB.RequestAsync(DaemonControl.Identify());
        var connect = await controlA.RequestAsync(DaemonControl.Connect(b.PeerId, identify.Addrs));
        Assert.True(connect.Ok, connect.Error);

        Assert.Equal([b.PeerId], (await controlA.RequestAsync(DaemonControl.ListPeers())).Peers.Select(p => p.Id));
        await Eventually.TrueAsync(() => b.GetConnection(a.PeerId) is not null, "b sees a's connection");
        Assert.Equal([a.PeerId], (await controlB.RequestAsync(DaemonControl.ListPeers())).Peers.Select(p => p.Id));

        var disconnect = await controlA.RequestAsync(DaemonControl.Disconnect(b.PeerId));
        Assert.True(disconnect.Ok, disconnect.Error);
        await Eventually.TrueAsync(() => b.GetConnection(a.PeerId) is null, "b sees the connection closed");
        Assert.Empty((await controlA.RequestAsync(DaemonControl.ListPeers())).Peers);
    }

    [Fact]
    public async Task Connect_UnreachableAddress_ErrorNamesTheAddress()
    {
        var (_, control) = await StartAsync("a", listen: false);
        var other = PeerId.FromPublicKey(PluginMesh.P2p.Crypto.PrivateKey.Generate().PublicKey);
        var dead = Multiaddr.Parse("/ip4/127.0.0.1/tcp/1");
        var response = await control.RequestAsync(DaemonControl.Connect(other, [dead]));
        Assert.False(response.Ok);
        Assert.Contains("/ip4/127.0.0.1/tcp/1", response.Error, StringComparison.Ordinal);
    }

    public static TheoryData<string> Callbacks => ["unix", "tcp"];

    [Theory]
    [MemberData(nameof(Callbacks))]
    public async Task StreamHandlerAndStreamOpen_EchoThroughTheCallback_StreamInfoNamesTheOpener(string callback)
    {
        var (a, controlA) = await StartAsync("a", listen: false);
        var (b, controlB) = await StartAsync("b");
        using var listener = callback == "unix" ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        byte[] address;
        if (callback == "unix")
        {
            var path = Path.Combine(_dir, "callback.sock");
            listener.Bind(new UnixDomainSocketEndPoint(path));
            address = DaemonControl.UnixAddress(path);
        }
        else
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            address = Multiaddr.FromEndPoint((IPEndPoint)listener.LocalEndPoint!).ToBytes();
        }
        listener.Listen();
        var registered = await controlB.RequestAsync(DaemonControl.StreamHandler(address, "/echo/1.0.0"));
        Assert.True(registered.Ok, registered.Error);

        // The client side of the callback: read the header, then echo until the opener's end of writing.
        var served = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptAsync(TestTimeout.Token());
            await using var s = new NetworkStream(accepted);
            var header = DaemonControl.ParseStreamInfo(await LengthPrefixed.ReadAsync(s, 4096, TestTimeout.Token()));
            await s.CopyToAsync(s, TestTimeout.Token());
            accepted.Shutdown(SocketShutdown.Send);
            return header;
        });

        var identify = await controlB.RequestAsync(DaemonControl.Identify());
        Assert.True((await controlA.RequestAsync(DaemonControl.Connect(b.PeerId, identify.Addrs))).Ok);
        var (stream, opened) = await controlA.SendAsync(DaemonControl.StreamOpen(b.PeerId, "/other/1.0.0", "/echo/1.0.0"));
        await using (stream)
        {
            Assert.True(opened.Ok, opened.Error);
            Assert.Equal(b.PeerId, opened.StreamInfo!.Value.Peer);
            Assert.Equal("/echo/1.0.0", opened.StreamInfo.Value.Proto);
            var payload = Encoding.ASCII.GetBytes("hello through the daemon");
            await stream.WriteAsync(payload, TestTimeout.Token());
            stream.Socket.Shutdown(SocketShutdown.Send);
            using var back = new MemoryStream();
            await stream.CopyToAsync(back, TestTimeout.Token());
            Assert.Equal(payload, back.ToArray());
        }
        var header = await served.WaitAsync(TestTimeout.Token());
        Assert.Equal(a.PeerId, header.Peer);
        Assert.Equal("/echo/1.0.0", header.Proto);
    }

    [Fact]
    public async Task StreamHandler_CallbackGone_TheOpenersStreamEnds_DaemonKeepsServing()
    {
        var (_, controlA) = await StartAsync("a", listen: false);
        var (b, controlB) = await StartAsync("b");
        var gone = Path.Combine(_dir, "nobody-listens.sock");
        Assert.True((await controlB.RequestAsync(DaemonControl.StreamHandler(DaemonControl.UnixAddress(gone), "/echo/1.0.0"))).Ok);
        var identify = await controlB.RequestAsync(DaemonControl.Identify());
        Assert.True((await controlA.RequestAsync(DaemonControl.Connect(b.PeerId, identify.Addrs))).Ok);

        var (stream, opened) = await controlA.SendAsync(DaemonControl.StreamOpen(b.PeerId, "/echo/1.0.0"));
        await using (stream)
        {
            // b resets the stream when its callback cannot be reached. The reset may reach a before its
            // STREAM_OPEN answer (an ERROR naming the reset) or after it (the opener's connection ends, no bytes).
            Assert.True(opened.Ok || opened.Error?.Contains("reset", StringComparison.Ordinal) == true, opened.Error);
            if (opened.Ok)
            {
                try
                {
                    Assert.Equal(0, await stream.ReadAsync(new byte[16], TestTimeout.Token()));
                }
                catch (IOException)
                {
                    // a reset may surface as a broken connection instead of a clean end
                }
            }
        }
        Assert.True((await controlB.RequestAsync(DaemonControl.Identify())).Ok);
    }

    public static TheoryData<string, byte[], string> BadRequests => new()
    {
        { "DHT", DaemonControl.Request(4), "DHT is not served" },
        { "PUBSUB", DaemonControl.Request(8), "PUBSUB is not served" },
        { "unknown type", DaemonControl.Request(42), "request type 42 is not served" },
        { "no type", [0x12, 0x00], "request type missing" },
        { "broken protobuf", [0x0a, 0x05, 0x01], "malformed request" },
        { "connect without peer", DaemonControl.Request(1), "connect.peer is missing" },
        { "stream open without protocol", DaemonControl.Request(2, 3, [0x0a, 0x02, 0x00, 0x00]), "streamOpen.peer is not a PeerId" },
        { "handler for identify", DaemonControl.StreamHandler(Multiaddr.Parse("/ip4/127.0.0.1/tcp/9").ToBytes(), "/ipfs/id/1.0.0"), "already registered" },
        { "handler at a dns address", DaemonControl.StreamHandler(Multiaddr.Parse("/dns4/localhost/tcp/9").ToBytes(), "/x"), "streamHandler.addr must be" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadOrUnservedRequest_ErrorResponse_AndTheConnectionKeepsServing(string what, byte[] request, string fragment)
    {
        var (host, control) = await StartAsync("a");
        await using var stream = await control.ConnectAsync();
        var response = await DaemonControl.ExchangeAsync(stream, request);
        Assert.False(response.Ok, what);
        Assert.Equal(1UL, response.Type);
        Assert.Contains(fragment, response.Error, StringComparison.Ordinal);
        var identify = await DaemonControl.ExchangeAsync(stream, DaemonControl.Identify());
        Assert.Equal(host.PeerId, PeerId.FromMultihash(identify.Id));
    }

    [Fact]
    public async Task OversizedLengthPrefix_ErrorThenClose_OtherClientsStillServed()
    {
        var (host, control) = await StartAsync("a");
        await using (var stream = await control.ConnectAsync())
        {
            // 2^32 bytes announced: refused before anything is allocated.
            await stream.WriteAsync(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x10 }, TestTimeout.Token());
            var response = await DaemonControl.ReadAsync(stream);
            Assert.Contains("exceeds the limit", response.Error, StringComparison.Ordinal);
            Assert.Equal(0, await stream.ReadAsync(new byte[1], TestTimeout.Token()));
        }
        var identify = await control.RequestAsync(DaemonControl.Identify());
        Assert.Equal(host.PeerId, PeerId.FromMultihash(identify.Id));
    }

    [Fact]
    public async Task Start_PathAlreadyExists_IOExceptionNamesIt()
    {
        var host = await HostFactory.StartAsync(listen: false);
        _owned.Add(host);
        var path = Path.Combine(_dir, "taken");
        await File.WriteAllTextAsync(path, "");
        var server = new DaemonServer(host, NullLogger.Instance);
        var e = Assert.Throws<IOException>(() => server.Start(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
    }
}
