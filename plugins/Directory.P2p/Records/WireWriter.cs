using System.Buffers.Binary;
using System.Text;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>Appends the directory's binary primitives (unsigned LEB128 varints, length-prefixed bytes, big-endian fixed ints).</summary>
internal sealed class WireWriter
{
    private readonly MemoryStream _buffer = new();

    public void WriteByte(byte value) => _buffer.WriteByte(value);

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteString(string value) => WriteBytes(Encoding.UTF8.GetBytes(value));

    public void WriteUInt64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, value);
        _buffer.Write(b);
    }

    public void WriteInt64(long value) => WriteUInt64(unchecked((ulong)value));

    public byte[] ToArray() => _buffer.ToArray();

    /// <summary>The length a varint prefix of <paramref name="value"/> takes.</summary>
    public static int VarintLength(ulong value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }
}
