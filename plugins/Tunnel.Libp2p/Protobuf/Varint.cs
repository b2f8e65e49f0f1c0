namespace PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

/// <summary>Unsigned LEB128 varints as used by protobuf, multiformats and multistream-select.</summary>
internal static class Varint
{
    /// <summary>Most bytes a 64-bit varint can take.</summary>
    public const int MaxLength = 10;

    public static int Size(ulong value)
    {
        var n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads a varint; returns bytes consumed, 0 when the input ends first, -1 when malformed (too long).</summary>
    public static int TryRead(ReadOnlySpan<byte> source, out ulong value)
    {
        value = 0;
        for (var i = 0; i < source.Length && i < MaxLength; i++)
        {
            var b = source[i];
            if (i == MaxLength - 1 && b > 1) return -1;
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                // Multiformats forbid non-minimal encodings; a trailing zero byte means padding.
                if (b == 0 && i > 0) return -1;
                return i + 1;
            }
        }
        return source.Length >= MaxLength ? -1 : 0;
    }
}
