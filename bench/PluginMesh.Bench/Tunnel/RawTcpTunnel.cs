using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Bench.Tunnel;

/// <summary>The baseline: plain loopback TCP, one connection per stream (NODELAY, as the libp2p transport sets it).</summary>
internal sealed class RawTcpTunnel : ITunnelUnderTest
{
    private readonly List<(NetworkStream Client, NetworkStream Server)> _pairs = [];
    private readonly byte[] _chunk = new byte[256 * 1024];

    public string Name => "raw TCP";

    public static async Task<RawTcpTunnel> CreateAsync(int connections)
    {
        var tunnel = new RawTcpTunnel();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(connections);
        for (var i = 0; i < connections; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accept = listener.AcceptAsync();
            await client.ConnectAsync(listener.LocalEndPoint!);
            var server = await accept;
            server.NoDelay = true;
            tunnel._pairs.Add((new NetworkStream(client, ownsSocket: true), new NetworkStream(server, ownsSocket: true)));
        }
        return tunnel;
    }

    public async Task SendAsync(long bytes, int streams)
    {
        var each = bytes / streams;
        await Task.WhenAll(_pairs.Take(streams).Select(p => Task.WhenAll(Task.Run(() => WriteAsync(p.Client, each)), Task.Run(() => DrainAsync(p.Server, each)))));
    }

    public async Task<double[]> RoundTripsAsync(int samples)
    {
        var (client, server) = _pairs[0];
        var echo = Task.Run(async () =>
        {
            var one = new byte[1];
            for (var i = 0; i < samples; i++)
            {
                await server.ReadExactlyAsync(one);
                await server.WriteAsync(one);
            }
        });
        var rtt = new double[samples];
        var b = new byte[1];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.WriteAsync(b);
            await client.ReadExactlyAsync(b);
            rtt[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        await echo;
        return rtt;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var (c, s) in _pairs)
        {
            c.Dispose();
            s.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private async Task WriteAsync(NetworkStream stream, long bytes)
    {
        for (long sent = 0; sent < bytes; sent += _chunk.Length) await stream.WriteAsync(_chunk.AsMemory(0, (int)Math.Min(_chunk.Length, bytes - sent)));
    }

    private static async Task DrainAsync(NetworkStream stream, long bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            for (long n = 0; n < bytes;) n += await stream.ReadAsync(buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
