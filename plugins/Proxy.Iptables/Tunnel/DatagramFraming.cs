using System.Buffers;

namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// UDP over a tunnel stream: each datagram is <c>length:u16 BE | payload</c>, so boundaries survive
/// (EdgeMesh copied UDP as a byte stream and merged datagrams).
/// </summary>
public static class DatagramFraming
{
    /// <summary>Largest payload a frame can carry.</summary>
    public const int MaxPayload = ushort.MaxValue;

    /// <summary>Writes one frame in one write (a pooled buffer holds it while it is written).</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (payload.Length > MaxPayload) throw new ArgumentOutOfRangeException(nameof(payload), "datagram larger than 65535 bytes");
        // One write per datagram keeps the frame in one tunnel packet when it fits.
        var frame = ArrayPool<byte>.Shared.Rent(2 + payload.Length);
        try
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)payload.Length);
            payload.CopyTo(frame.AsMemory(2));
            await stream.WriteAsync(frame.AsMemory(0, 2 + payload.Length), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>
    /// Reads one frame: its length into <paramref name="header"/> (2 bytes, all a waiting session
    /// holds), then its payload into a pooled buffer of that size; null at a clean end of stream.
    /// </summary>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public static async ValueTask<PooledDatagram?> ReadAsync(Stream stream, byte[] header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(header);
        var got = await stream.ReadAtLeastAsync(header.AsMemory(0, 2), 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < 2) throw new EndOfStreamException("tunnel stream ended inside a datagram length");
        int len = BinaryPrimitives.ReadUInt16BigEndian(header);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(len, 1));
        try
        {
            await stream.ReadExactlyAsync(buffer.AsMemory(0, len), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new PooledDatagram(buffer, len);
    }
}
