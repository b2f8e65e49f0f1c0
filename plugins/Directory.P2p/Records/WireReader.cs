using System.Buffers.Binary;
using System.Text;

namespace PluginMesh.Plugins.Directory.P2p.Records;

/// <summary>
/// Reads what <see cref="WireWriter"/> writes from untrusted bytes. Every read is bounded by the
/// remaining input and by the caller's limit; any violation is a <see cref="FormatException"/>
/// naming the field, never an out-of-range exception.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int Position => _pos;

    public readonly bool AtEnd => _pos == _data.Length;

    public byte ReadByte(string field)
    {
        if (_pos >= _data.Length) throw new FormatException($"{field}: truncated");
        return _data[_pos++];
    }

    public ulong ReadVarint(string field)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte(field);
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                // Only the minimal form is accepted, so every value has exactly one encoding.
                if (b == 0 && shift > 0) throw new FormatException($"{field}: non-minimal varint");
                return value;
            }
        }
        throw new FormatException($"{field}: varint longer than 64 bits");
    }

    /// <summary>A count or length no larger than <paramref name="max"/>.</summary>
    public int ReadCount(string field, int max)
    {
        var value = ReadVarint(field);
        if (value > (ulong)max) throw new FormatException($"{field}: {value} exceeds the limit of {max}");
        return (int)value;
    }

    public ReadOnlySpan<byte> ReadBytes(string field, int maxLength)
    {
        var length = ReadCount(field + " length", maxLength);
        if (_data.Length - _pos < length) throw new FormatException($"{field}: truncated ({length} bytes announced, {_data.Length - _pos} left)");
        var value = _data.Slice(_pos, length);
        _pos += length;
        return value;
    }

    public string ReadString(string field, int maxBytes)
    {
        var bytes = ReadBytes(field, maxBytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException($"{field}: not valid UTF-8");
        }
    }

    public ulong ReadUInt64(string field)
    {
        if (_data.Length - _pos < 8) throw new FormatException($"{field}: truncated");
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return value;
    }

    public long ReadInt64(string field) => unchecked((long)ReadUInt64(field));

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
