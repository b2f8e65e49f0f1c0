using System.Buffers;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

/// <summary>Unsigned-varint length-prefixed messages on a stream (Identify, relay, DCUtR, AutoNAT).</summary>
public static class LengthPrefixed
{
    /// <summary>Reads one message; null on a clean end of stream before its first byte.</summary>
    /// <exception cref="InvalidDataException">The length is malformed or above <paramref name="maxLength"/>, or the stream ends inside the message.</exception>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        var one = ArrayPool<byte>.Shared.Rent(1);
        ulong length = 0;
        try
        {
            for (var i = 0; ; i++)
            {
                if (i == 5) throw new InvalidDataException("length prefix is too long");
                var n = await stream.ReadAsync(one.AsMemory(0, 1), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    if (i == 0) return null;
                    throw new InvalidDataException("stream ended inside a length prefix");
                }
                length |= (ulong)(one[0] & 0x7F) << (7 * i);
                if (one[0] < 0x80) break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(one);
        }
        if (length > (ulong)maxLength) throw new InvalidDataException($"message of {length} bytes exceeds the limit of {maxLength}");
        var message = new byte[length];
        try
        {
            await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"stream ended inside a message of {length} bytes");
        }
        return message;
    }

    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Varint.MaxLength + message.Length);
        try
        {
            var n = Varint.Write(buffer, (ulong)message.Length);
            message.Span.CopyTo(buffer.AsSpan(n));
            await stream.WriteAsync(buffer.AsMemory(0, n + message.Length), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
