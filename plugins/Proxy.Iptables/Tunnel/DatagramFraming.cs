namespace PluginMesh.Plugins.Proxy.Iptables.Tunnel;

/// <summary>
/// UDP over a tunnel stream: each datagram is <c>length:u16 BE | payload</c>, so boundaries survive
/// (EdgeMesh copied UDP as a byte stream and merged datagrams).
/// </summary>
public static class DatagramFraming
{
    /// <summary>Largest payload a frame can carry.</summary>
    public const int MaxPayload = ushort.MaxValue;

    /// <summary>Writes one frame; <paramref name="scratch"/> must hold 2 + payload bytes.</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, Memory<byte> scratch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (payload.Length > MaxPayload) throw new ArgumentOutOfRangeException(nameof(payload), "datagram larger than 65535 bytes");
        // One write per datagram keeps the frame in one tunnel packet when it fits.
        BinaryPrimitives.WriteUInt16BigEndian(scratch.Span, (ushort)payload.Length);
        payload.CopyTo(scratch[2..]);
        await stream.WriteAsync(scratch[..(2 + payload.Length)], cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one frame into <paramref name="buffer"/> (at least 65535 bytes); -1 at a clean end of stream.</summary>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public static async ValueTask<int> ReadAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var got = await stream.ReadAtLeastAsync(buffer[..2], 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return -1;
        if (got < 2) throw new EndOfStreamException("tunnel stream ended inside a datagram length");
        var len = BinaryPrimitives.ReadUInt16BigEndian(buffer.Span);
        await stream.ReadExactlyAsync(buffer[..len], cancellationToken).ConfigureAwait(false);
        return len;
    }
}
