using System.Buffers;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PluginMesh.Plugins.Tunnel.Libp2p.Host;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Bench;

/// <summary>
/// libp2p stack throughput and latency over loopback, each against raw TCP measured in the same run.
/// Category <c>Throughput</c>: 64 MiB one way into a discard handler — raw TCP (baseline), one
/// TCP+Noise+Yamux stream, and 8 streams of 8 MiB on one connection.
/// Category <c>Latency</c>: a 1-byte echo round trip — raw TCP (baseline) vs one Yamux stream.
/// Run: dotnet run -c Release --project bench/PluginMesh.Bench -- --filter '*Libp2p*'
/// (1 GiB transfers, CPU per GiB, idle memory and the js↔js baseline: the <c>tunnel</c> mode, Tunnel/TunnelBench.cs.)
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class Libp2pBenchmarks
{
    private const string Discard = "/pluginmesh/bench/discard/1.0.0";
    private const int Total = 64 << 20;
    private static readonly byte[] Chunk = new byte[256 * 1024];

    private Libp2pHost _server = null!;
    private Libp2pHost _client = null!;
    private Libp2pConnection _connection = null!;
    private PrivateKey _serverKey = null!;
    private PrivateKey _clientKey = null!;
    private Socket _tcpListener = null!;
    private NetworkStream _tcpClient = null!;
    private NetworkStream _tcpServer = null!;
    private YamuxStream _echoStream = null!;
    private readonly byte[] _one = new byte[1];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _serverKey = PrivateKey.Generate();
        _clientKey = PrivateKey.Generate();
        _server = new Libp2pHost(new Libp2pHostOptions { Identity = _serverKey, ListenAddresses = [Multiaddr.Parse("/ip4/127.0.0.1/tcp/0")] });
        _server.SetStreamHandler(Discard, async (s, ct) =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            while (await s.Stream.ReadAsync(buffer, ct) > 0)
            {
            }
            ArrayPool<byte>.Shared.Return(buffer);
            await s.Stream.CloseWriteAsync(ct);
        });
        await _server.StartAsync();
        _client = new Libp2pHost(new Libp2pHostOptions { Identity = _clientKey });
        _connection = await _client.DialAsync(_server.ListenAddresses[0].WithPeerId(_server.PeerId), CancellationToken.None);
        _echoStream = (await _connection.OpenStreamAsync("/pluginmesh/echo/1.0.0", CancellationToken.None)).Stream;

        _tcpListener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _tcpListener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _tcpListener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = _tcpListener.AcceptAsync();
        await client.ConnectAsync(_tcpListener.LocalEndPoint!);
        var server = await accept;
        server.NoDelay = true;
        _tcpClient = new NetworkStream(client, true);
        _tcpServer = new NetworkStream(server, true);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        _serverKey.Dispose();
        _clientKey.Dispose();
        _tcpClient.Dispose();
        _tcpServer.Dispose();
        _tcpListener.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Throughput")]
    public async Task RawTcp_64MiB()
    {
        var reader = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            long n = 0;
            while (n < Total) n += await _tcpServer.ReadAsync(buffer);
            ArrayPool<byte>.Shared.Return(buffer);
        });
        for (var sent = 0; sent < Total; sent += Chunk.Length) await _tcpClient.WriteAsync(Chunk);
        await reader;
    }

    [Benchmark, BenchmarkCategory("Throughput")]
    public async Task Libp2p_OneStream_64MiB() => await SendAsync(Total);

    [Benchmark, BenchmarkCategory("Throughput")]
    public async Task Libp2p_EightStreams_64MiB() => await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SendAsync(Total / 8)));

    [Benchmark(Baseline = true), BenchmarkCategory("Latency")]
    public async Task RawTcp_1ByteRoundTrip()
    {
        await _tcpClient.WriteAsync(_one);
        await _tcpServer.ReadExactlyAsync(_one);
        await _tcpServer.WriteAsync(_one);
        await _tcpClient.ReadExactlyAsync(_one);
    }

    [Benchmark, BenchmarkCategory("Latency")]
    public async Task Libp2p_1ByteEchoRoundTrip()
    {
        await _echoStream.WriteAsync(_one);
        await _echoStream.ReadExactlyAsync(_one);
    }

    /// <summary>One stream into the discard handler; finishes when the server has read everything and FINed.</summary>
    private async Task SendAsync(int bytes)
    {
        var s = await _connection.OpenStreamAsync(Discard, CancellationToken.None);
        var reader = Task.Run(async () =>
        {
            var sink = new byte[16];
            while (await s.Stream.ReadAsync(sink) > 0)
            {
            }
        });
        for (var sent = 0; sent < bytes; sent += Chunk.Length) await s.Stream.WriteAsync(Chunk.AsMemory(0, Math.Min(Chunk.Length, bytes - sent)));
        await s.Stream.CloseWriteAsync();
        await reader;
        await s.Stream.DisposeAsync();
    }
}
