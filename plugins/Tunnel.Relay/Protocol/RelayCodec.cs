using System.Buffers;
using Google.Protobuf;

namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>
/// Unsigned-varint length-prefixed protobuf messages on a stream. Reads exactly one message and not
/// a byte more, because after a successful CONNECT the same stream becomes the raw circuit.
/// </summary>
internal static class RelayCodec
{
    /// <summary>
    /// Reads one message. Returns null on a clean end of stream before any byte; throws
    /// <see cref="RelayMessageException"/> (with the reason) for truncated, oversized or unparsable input.
    /// </summary>
    public static async ValueTask<T?> ReadAsync<T>(Stream stream, MessageParser<T> parser, CancellationToken cancellationToken, int maxSize = RelayProtocols.MaxMessageSize)
        where T : class, IMessage<T>
    {
        var length = await ReadLengthAsync(stream, maxSize, cancellationToken).ConfigureAwait(false);
        if (length is null) return null;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length.Value));
        try
        {
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length.Value), cancellationToken).ConfigureAwait(false);
            return Parse(parser, buffer.AsSpan(0, length.Value));
        }
        catch (EndOfStreamException)
        {
            throw new RelayMessageException($"truncated message: stream ended inside a {length}-byte message");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses one message body; protobuf errors become <see cref="RelayMessageException"/>.</summary>
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySpan<byte> body) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new RelayMessageException($"malformed protobuf: {e.Message}");
        }
    }

    /// <summary>Writes one message with its length prefix in a single write (one yamux frame).</summary>
    public static async ValueTask WriteAsync(Stream stream, IMessage message, CancellationToken cancellationToken)
    {
        var bytes = Encode(message);
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The length-prefixed encoding of <paramref name="message"/>.</summary>
    public static byte[] Encode(IMessage message)
    {
        var size = message.CalculateSize();
        var output = new byte[CodedOutputStream.ComputeUInt32Size((uint)size) + size];
        var coded = new CodedOutputStream(output);
        coded.WriteUInt32((uint)size);
        message.WriteTo(coded);
        coded.CheckNoSpaceLeft();
        return output;
    }

    private static async ValueTask<int?> ReadLengthAsync(Stream stream, int maxSize, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        ulong value = 0;
        for (var i = 0; i < 5; i++)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                if (i == 0) return null;
                throw new RelayMessageException("truncated message: stream ended inside the length prefix");
            }
            value |= (ulong)(one[0] & 0x7F) << (7 * i);
            if ((one[0] & 0x80) == 0)
            {
                if (value > (ulong)maxSize) throw new RelayMessageException($"message of {value} bytes exceeds the {maxSize}-byte limit");
                return (int)value;
            }
        }
        throw new RelayMessageException("length prefix longer than 5 bytes");
    }
}
