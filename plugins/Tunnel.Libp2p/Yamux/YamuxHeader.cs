namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>The 12-byte big-endian Yamux header: version, type, flags, stream id, length.</summary>
public readonly record struct YamuxHeader(YamuxFrameType Type, YamuxFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;

    public void Write(Span<byte> destination)
    {
        destination[0] = 0;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }

    /// <summary>Parses a header; returns an error text instead of throwing so the session can close with a reason.</summary>
    public static YamuxHeader Read(ReadOnlySpan<byte> source, out string? error)
    {
        error = null;
        if (source[0] != 0) error = $"yamux: unsupported version {source[0]}";
        else if (source[1] > 3) error = $"yamux: unknown frame type {source[1]}";
        var flags = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        if (error is null && (flags & ~0xF) != 0) error = $"yamux: unknown flags 0x{flags:x}";
        return new YamuxHeader((YamuxFrameType)source[1], (YamuxFlags)flags,
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]), BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
    }
}
