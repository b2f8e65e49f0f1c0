using System.Buffers.Binary;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Forwarding;

/// <summary>
/// UDP over a stream keeps datagram boundaries: each datagram is a 2-byte big-endian length then
/// its bytes (EdgeMesh wrote UDP unframed and merged datagrams).
/// </summary>
public static class DatagramFraming
{
    public const int MaxDatagram = 65535;

    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> datagram, byte[] scratch, CancellationToken cancellationToken)
    {
        if (datagram.Length > MaxDatagram) throw new ArgumentException("datagram larger than 65535 bytes", nameof(datagram));
        BinaryPrimitives.WriteUInt16BigEndian(scratch, (ushort)datagram.Length);
        datagram.Span.CopyTo(scratch.AsSpan(2));
        await stream.WriteAsync(scratch.AsMemory(0, 2 + datagram.Length), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one datagram into <paramref name="buffer"/> (≥ 65535 bytes); -1 at a clean end of stream.</summary>
    public static async ValueTask<int> ReadAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var n = await stream.ReadAtLeastAsync(buffer.AsMemory(0, 2), 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (n == 0) return -1;
        if (n < 2) throw new InvalidDataException("tunnel: stream ended inside a datagram length");
        var length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        try
        {
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("tunnel: stream ended inside a datagram");
        }
        return length;
    }
}
