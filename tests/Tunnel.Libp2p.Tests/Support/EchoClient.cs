using System.Buffers;
using PluginMesh.Plugins.Tunnel.Libp2p.Mesh;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

/// <summary>Sends the shared pattern on an echo stream while checking every byte that comes back.</summary>
internal static class EchoClient
{
    public static Task<long> RunAsync(YamuxStream stream, long total, CancellationToken cancellationToken) =>
        RunAsync(stream, stream.CloseWriteAsync, total, cancellationToken);

    public static Task<long> RunAsync(PluginMesh.Plugins.Tunnel.Libp2p.Multistream.LazySelectStream stream, long total, CancellationToken cancellationToken) =>
        RunAsync(stream, stream.CloseWriteAsync, total, cancellationToken);

    private static async Task<long> RunAsync(Stream stream, Func<CancellationToken, ValueTask> closeWrite, long total, CancellationToken cancellationToken)
    {
        var reader = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            long received = 0;
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    var bad = EchoPattern.FindMismatch(buffer.AsSpan(0, n), received);
                    if (bad >= 0) throw new InvalidDataException($"echo mismatch at byte {bad}");
                    received += n;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return received;
        }, cancellationToken);
        long sent = 0;
        while (sent < total)
        {
            var off = (int)(sent % EchoPattern.BlockSize);
            var n = (int)Math.Min(Math.Min(256 * 1024, total - sent), EchoPattern.BlockSize - off);
            await stream.WriteAsync(EchoPattern.Block.Slice(off, n), cancellationToken);
            sent += n;
        }
        await closeWrite(cancellationToken);
        return await reader;
    }
}
