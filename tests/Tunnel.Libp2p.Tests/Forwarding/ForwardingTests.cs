using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Forwarding;

public sealed class ForwardingTests
{
    private static readonly IPNetwork[] Loopback = [IPNetwork.Parse("127.0.0.0/8")];

    [Fact]
    public async Task Tcp_EchoTarget_BytesAndHalfCloseGoThrough()
    {
        var ct = TestTimeout.Token();
        using var target = new TcpListener(IPAddress.Loopback, 0);
        target.Start();
        var echo = Task.Run(async () =>
        {
            using var c = await target.AcceptTcpClientAsync(ct);
            var s = c.GetStream();
            await s.CopyToAsync(s, ct); // until our half-close arrives
            c.Client.Shutdown(SocketShutdown.Send);
        }, ct);
        await using var pair = await PairAsync(Loopback);
        var stream = await pair.OpenAsync(ct);
        await ForwardingClient.RequestAsync(stream.Stream, (IPEndPoint)target.LocalEndpoint, ForwardTransport.Tcp, ct);
        Assert.Equal(3L << 20, await EchoClient.RunAsync(stream.Stream, 3L << 20, ct)); // ends only after the target's FIN came back
        await echo;
    }

    [Fact]
    public async Task Tcp_ClosedPort_IsRefusedValue()
    {
        var ct = TestTimeout.Token();
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        await using var pair = await PairAsync(Loopback);
        var stream = await pair.OpenAsync(ct);
        var e = await Assert.ThrowsAsync<TunnelException>(() => ForwardingClient.RequestAsync(stream.Stream, new IPEndPoint(IPAddress.Loopback, port), ForwardTransport.Tcp, ct));
        Assert.Equal(TunnelFailure.Refused, e.Failure);
        Assert.Contains("Refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Target_OutsideAllowedNetworks_IsNotDialed()
    {
        var ct = TestTimeout.Token();
        await using var pair = await PairAsync(ForwardingServer.DefaultAllowed);
        var stream = await pair.OpenAsync(ct);
        var e = await Assert.ThrowsAsync<TunnelException>(() => ForwardingClient.RequestAsync(stream.Stream, new IPEndPoint(IPAddress.Loopback, 22), ForwardTransport.Tcp, ct));
        Assert.Contains("NotAllowed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Udp_EchoTarget_KeepsDatagramBoundaries()
    {
        var ct = TestTimeout.Token();
        using var target = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var echo = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                var d = await target.ReceiveAsync(ct);
                await target.SendAsync(d.Buffer, d.RemoteEndPoint, ct);
            }
        }, ct);
        await using var pair = await PairAsync(Loopback);
        var stream = await pair.OpenAsync(ct);
        await ForwardingClient.RequestAsync(stream.Stream, (IPEndPoint)target.Client.LocalEndPoint!, ForwardTransport.Udp, ct);
        var scratch = new byte[DatagramFraming.MaxDatagram + 2];
        var buffer = new byte[DatagramFraming.MaxDatagram];
        foreach (var size in new[] { 1, 1000, 60_000, 7 })
        {
            var datagram = new byte[size];
            Random.Shared.NextBytes(datagram);
            await DatagramFraming.WriteAsync(stream.Stream, datagram, scratch, ct);
            var n = await DatagramFraming.ReadAsync(stream.Stream, buffer, ct);
            Assert.Equal(datagram, buffer[..n]);
        }
        await stream.Stream.CloseWriteAsync(ct);
        Assert.Equal(-1, await DatagramFraming.ReadAsync(stream.Stream, buffer, ct));
    }

    [Theory]
    [InlineData("", "ip must be")]
    [InlineData("0a047f000001", "port must be")]
    [InlineData("0a047f00000110501802", "transport must be")]
    public void DecodeRequest_Malformed_NamesTheField(string hex, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => ForwardMessages.DecodeRequest(Convert.FromHexString(hex)));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Request_WritesTransportEvenWhenZero()
    {
        var bytes = ForwardMessages.EncodeRequest(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 80), ForwardTransport.Tcp);
        Assert.Equal("0a040a01020310501800", Convert.ToHexStringLower(bytes));
    }

    private static async Task<HostPair> PairAsync(IReadOnlyList<IPNetwork> allowed)
    {
        var server = await HostFactory.StartAsync();
        var forwarding = new ForwardingServer(allowed, TimeSpan.FromSeconds(5), NullLogger.Instance);
        server.SetStreamHandler(ForwardingServer.ProtocolId, (s, ct) => forwarding.ServeAsync(s.Stream, s.Stream.CloseWriteAsync, ct));
        var client = await HostFactory.StartAsync(listen: false);
        return new HostPair(server, client);
    }

    private sealed record HostPair(Libp2pHost Server, Libp2pHost Client) : IAsyncDisposable
    {
        public Task<Libp2pStream> OpenAsync(CancellationToken ct) =>
            Client.OpenStreamAsync(HostFactory.DialAddress(Server), ForwardingServer.ProtocolId, ct);

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }
}
