using System.Buffers;
using PluginMesh.P2p.Encoding;

namespace PluginMesh.P2p.Protobuf;

/// <summary>
/// Unsigned-varint length-prefixed messages on a stream (Identify, relay, DCUtR, AutoNAT). Reads
/// exactly one message and not a byte more, because after some exchanges (a relay CONNECT) the same
/// stream carries other bytes.
/// </summary>
/// <remarks>Stateless and thread-safe; one reader and one writer per stream at a time.</remarks>
public static class LengthPrefixed
{
    /// <summary>Longest length prefix read (5 bytes: up to 2^35, far above any limit).</summary>
    public const int MaxPrefixLength = 5;

    /// <summary>Reads one message; null on a clean end of stream before its first byte.</summary>
    /// <exception cref="InvalidDataException">The length is malformed or above <paramref name="maxLength"/>, or the stream ends inside the message.</exception>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var length = await ReadLengthAsync(stream, maxLength, cancellationToken).ConfigureAwait(false);
        if (length is null) return null;
        var message = new byte[length.Value];
        try
        {
            await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"truncated message: stream ended inside a message of {length} bytes");
        }
        return message;
    }

    /// <summary>Reads one length prefix; null on a clean end of stream before its first byte.</summary>
    /// <exception cref="InvalidDataException">Longer than <see cref="MaxPrefixLength"/> bytes, above <paramref name="maxLength"/>, or cut off.</exception>
    public static async ValueTask<int?> ReadLengthAsync(Stream stream, int maxLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var one = ArrayPool<byte>.Shared.Rent(1);
        ulong length = 0;
        try
        {
            for (var i = 0; ; i++)
            {
                if (i == MaxPrefixLength) throw new InvalidDataException($"length prefix is too long (longer than {MaxPrefixLength} bytes)");
                var n = await stream.ReadAsync(one.AsMemory(0, 1), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    if (i == 0) return null;
                    throw new InvalidDataException("truncated message: stream ended inside a length prefix");
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
        return (int)length;
    }

    /// <summary>The length-prefixed form of <paramref name="message"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> message)
    {
        var output = new byte[Varint.Size((ulong)message.Length) + message.Length];
        var n = Varint.Write(output, (ulong)message.Length);
        message.CopyTo(output.AsSpan(n));
        return output;
    }

    /// <summary>Writes one message with its length prefix in a single write (one muxer frame), then flushes.</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
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
