namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>Parses one message body.</summary>
internal delegate T RelayParser<out T>(ReadOnlySpan<byte> body);

/// <summary>
/// Unsigned-varint length-prefixed relay messages on a stream. Reads exactly one message and not
/// a byte more, because after a successful CONNECT the same stream becomes the raw circuit.
/// </summary>
internal static class RelayCodec
{
    /// <summary>
    /// Reads one message. Returns null on a clean end of stream before any byte; throws
    /// <see cref="RelayMessageException"/> (with the reason) for truncated, oversized or unparsable input.
    /// </summary>
    public static async ValueTask<T?> ReadAsync<T>(Stream stream, RelayParser<T> parser, CancellationToken cancellationToken, int maxSize = RelayProtocols.MaxMessageSize)
        where T : class
    {
        byte[]? body;
        try
        {
            body = await LengthPrefixed.ReadAsync(stream, maxSize, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new RelayMessageException(e.Message);
        }
        return body is null ? null : Parse(parser, body);
    }

    /// <summary>Parses one message body; protobuf errors become <see cref="RelayMessageException"/>.</summary>
    public static T Parse<T>(RelayParser<T> parser, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(parser);
        try
        {
            return parser(body);
        }
        catch (FormatException e)
        {
            throw new RelayMessageException($"malformed protobuf: {e.Message}");
        }
    }

    /// <summary>Writes one message with its length prefix in a single write (one yamux frame).</summary>
    public static ValueTask WriteAsync<T>(Stream stream, RelayMessage<T> message, CancellationToken cancellationToken) where T : RelayMessage<T>, new() =>
        LengthPrefixed.WriteAsync(stream, message.ToByteArray(), cancellationToken);

    /// <summary>The length-prefixed encoding of <paramref name="message"/>.</summary>
    public static byte[] Encode<T>(RelayMessage<T> message) where T : RelayMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(message);
        return LengthPrefixed.Encode(message.ToByteArray());
    }
}
