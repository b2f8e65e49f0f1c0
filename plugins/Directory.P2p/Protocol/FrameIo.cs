namespace PluginMesh.Plugins.Directory.P2p.Protocol;

/// <summary>Unsigned-varint length-prefixed frames (the libp2p convention) on a stream, bounded in size.</summary>
internal static class FrameIo
{
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (payload.Length > DirectoryProtocol.MaxFrameBytes) throw new ArgumentException($"frame of {payload.Length} bytes exceeds {DirectoryProtocol.MaxFrameBytes}", nameof(payload));
        // One write per frame: the muxer sends it as one data frame instead of a tiny header first.
        await stream.WriteAsync(PluginMesh.P2p.Protobuf.LengthPrefixed.Encode(payload.Span), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The next payload, or null at a clean end of stream between frames. Throws <see cref="FormatException"/> for oversize or truncated frames.</summary>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var one = new byte[1];
        ulong length = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 28) throw new FormatException("frame length: varint too long");
            var n = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (shift == 0) return null;
                throw new FormatException("frame length: truncated");
            }
            length |= (ulong)(one[0] & 0x7F) << shift;
            if ((one[0] & 0x80) == 0) break;
        }
        if (length > DirectoryProtocol.MaxFrameBytes) throw new FormatException($"frame of {length} bytes exceeds the limit of {DirectoryProtocol.MaxFrameBytes}");
        var payload = new byte[(int)length];
        var read = 0;
        while (read < payload.Length)
        {
            var n = await stream.ReadAsync(payload.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new FormatException($"frame: truncated after {read} of {length} bytes");
            read += n;
        }
        return payload;
    }
}
