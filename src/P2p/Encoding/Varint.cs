namespace PluginMesh.P2p.Encoding;

/// <summary>
/// Unsigned LEB128 varints as multiformats (multiaddr codes, multihash, multistream lengths) and
/// protobuf use them.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class Varint
{
    /// <summary>Most bytes a 64-bit varint can take.</summary>
    public const int MaxLength = 10;

    /// <summary>Bytes <paramref name="value"/> takes.</summary>
    public static int Size(ulong value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/> (at least <see cref="Size"/> bytes); returns the bytes written.</summary>
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

    /// <summary>
    /// Reads a minimally encoded varint (multiformats forbid padding). Returns the bytes consumed,
    /// 0 when the input ends first, -1 when it is malformed (longer than 64 bits or not minimal).
    /// </summary>
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
                // A trailing zero byte means padding: a second encoding of the same value.
                if (b == 0 && i > 0) return -1;
                return i + 1;
            }
        }
        return source.Length >= MaxLength ? -1 : 0;
    }
}
