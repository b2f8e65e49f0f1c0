using System.Buffers;
using System.Diagnostics;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Bench.Tunnel;

/// <summary>Two C# hosts on loopback: TCP + Noise + Yamux with default options, streams into a discard handler or the echo protocol.</summary>
internal sealed class Libp2pTunnel : ITunnelUnderTest
{
    public const string Discard = "/pluginmesh/bench/discard/1.0.0";
    private readonly byte[] _chunk = new byte[256 * 1024];
    private readonly PrivateKey _serverKey = PrivateKey.Generate();
    private readonly PrivateKey _clientKey = PrivateKey.Generate();
    private Libp2pHost _server = null!;
    private Libp2pHost _client = null!;
    private Libp2pConnection _connection = null!;

    public string Name => "C# libp2p";

    public static async Task<Libp2pTunnel> CreateAsync()
    {
        var tunnel = new Libp2pTunnel();
        tunnel._server = new Libp2pHost(new Libp2pHostOptions { Identity = tunnel._serverKey, ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        tunnel._server.SetStreamHandler(Discard, ServeDiscardAsync);
        await tunnel._server.StartAsync();
        tunnel._client = new Libp2pHost(new Libp2pHostOptions { Identity = tunnel._clientKey });
        tunnel._connection = await tunnel._client.DialAsync(tunnel._server.ListenAddresses[0].WithPeerId(tunnel._server.PeerId), CancellationToken.None);
        return tunnel;
    }

    /// <summary>Reads to the end, then closes: the sender's EOF means every byte arrived.</summary>
    public static async Task ServeDiscardAsync(Libp2pStream s, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            while (await s.Stream.ReadAsync(buffer, ct) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await s.Stream.CloseWriteAsync(ct);
    }

    public Task SendAsync(long bytes, int streams) => Task.WhenAll(Enumerable.Range(0, streams).Select(_ => Task.Run(() => SendOneAsync(bytes / streams))));

    public async Task<double[]> RoundTripsAsync(int samples)
    {
        var s = await _connection.OpenStreamAsync(EchoProtocol.ProtocolId, CancellationToken.None);
        await using var stream = s.Stream;
        var rtt = new double[samples];
        var b = new byte[1];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await stream.WriteAsync(b);
            await stream.ReadExactlyAsync(b);
            rtt[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return rtt;
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        _clientKey.Dispose();
        _serverKey.Dispose();
    }

    private async Task SendOneAsync(long bytes)
    {
        var s = await _connection.OpenStreamAsync(Discard, CancellationToken.None);
        YamuxStream stream = s.Stream;
        for (long sent = 0; sent < bytes; sent += _chunk.Length) await stream.WriteAsync(_chunk.AsMemory(0, (int)Math.Min(_chunk.Length, bytes - sent)));
        await stream.CloseWriteAsync();
        var sink = new byte[16];
        while (await stream.ReadAsync(sink) > 0)
        {
        }
        await stream.DisposeAsync();
    }
}
