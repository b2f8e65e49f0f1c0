using System.Buffers.Binary;

namespace PluginMesh.P2p.Protobuf;

/// <summary>
/// A minimal forward-only reader of untrusted bytes: protobuf fields (<see cref="Next"/>, then
/// <see cref="ReadVarint"/>, <see cref="ReadBytes"/>, … or <see cref="Skip"/>; unknown fields are
/// skipped because libp2p peers add fields), and the raw primitives of canonical length-prefixed
/// layouts that are not protobuf messages (<c>ReadRaw…</c>, e.g. signed directory records).
/// </summary>
/// <remarks>
/// A ref struct over the caller's span: not shared between threads. Every read is bounded by the
/// remaining input; anything structurally broken is a <see cref="FormatException"/> naming the
/// field, never an out-of-range exception. Protobuf field reads accept non-minimal varints (the
/// protobuf spec allows them); raw reads accept only minimal ones so that a signed layout has
/// exactly one encoding.
/// </remarks>
public ref struct ProtoReader
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads <paramref name="data"/> from its start.</summary>
    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        FieldNumber = 0;
        WireType = 0;
    }

    /// <summary>Number of the field <see cref="Next"/> moved to.</summary>
    public int FieldNumber { get; private set; }

    /// <summary>Wire type of that field: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.</summary>
    public int WireType { get; private set; }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>True when every byte was consumed.</summary>
    public readonly bool AtEnd => _position == _data.Length;

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    /// <exception cref="FormatException">The tag is truncated, too long, or names field 0.</exception>
    public bool Next()
    {
        if (_position >= _data.Length) return false;
        var tag = ReadLooseVarint("tag");
        FieldNumber = (int)Math.Min(tag >> 3, int.MaxValue);
        WireType = (int)(tag & 7);
        if (tag >> 3 > int.MaxValue) throw new FormatException($"protobuf: field number {tag >> 3} is out of range");
        if (FieldNumber == 0) throw new FormatException("protobuf: invalid field number 0");
        return true;
    }

    /// <summary>The current field as a varint (wire type 0).</summary>
    /// <exception cref="FormatException">Another wire type, or a truncated varint.</exception>
    public ulong ReadVarint()
    {
        Expect(0);
        return ReadLooseVarint("varint field");
    }

    /// <summary>The current field as bytes (wire type 2); a slice of the input, not a copy.</summary>
    /// <exception cref="FormatException">Another wire type, or a length past the end of the input.</exception>
    public ReadOnlySpan<byte> ReadBytes()
    {
        Expect(2);
        var length = ReadLooseVarint("length");
        if (length > (ulong)(_data.Length - _position))
            throw new FormatException($"protobuf: field {FieldNumber} length {length} runs past the end of the message");
        var value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>The current field as UTF-8 text (wire type 2).</summary>
    /// <exception cref="FormatException">As <see cref="ReadBytes"/>, or invalid UTF-8.</exception>
    public string ReadString()
    {
        var bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new FormatException($"protobuf: field {FieldNumber} is not valid UTF-8");
        }
    }

    /// <summary>Skips the current field's value.</summary>
    /// <exception cref="FormatException">A truncated value or a wire type other than 0, 1, 2 or 5 (groups are not supported).</exception>
    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadLooseVarint("varint field"); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw new FormatException($"protobuf: field {FieldNumber} has unsupported wire type {WireType}");
        }
    }

    /// <summary>One raw byte.</summary>
    /// <exception cref="FormatException"><c>{field}: truncated</c>.</exception>
    public byte ReadRawByte(string field)
    {
        if (_position >= _data.Length) throw new FormatException($"{field}: truncated");
        return _data[_position++];
    }

    /// <summary>A raw, minimally encoded varint.</summary>
    /// <exception cref="FormatException">Truncated, non-minimal or longer than 64 bits; the message names <paramref name="field"/>.</exception>
    public ulong ReadRawVarint(string field)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadRawByte(field);
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && shift > 0) throw new FormatException($"{field}: non-minimal varint");
                return value;
            }
        }
        throw new FormatException($"{field}: varint longer than 64 bits");
    }

    /// <summary>A raw varint count or length no larger than <paramref name="max"/>.</summary>
    /// <exception cref="FormatException">As <see cref="ReadRawVarint"/>, or above <paramref name="max"/>.</exception>
    public int ReadRawCount(string field, int max)
    {
        var value = ReadRawVarint(field);
        if (value > (ulong)max) throw new FormatException($"{field}: {value} exceeds the limit of {max}");
        return (int)value;
    }

    /// <summary>Raw varint-length-prefixed bytes of at most <paramref name="maxLength"/>; a slice of the input.</summary>
    /// <exception cref="FormatException">A bad or too large length, or fewer bytes left than it announces.</exception>
    public ReadOnlySpan<byte> ReadRawBytes(string field, int maxLength)
    {
        var length = ReadRawCount(field + " length", maxLength);
        if (_data.Length - _position < length) throw new FormatException($"{field}: truncated ({length} bytes announced, {_data.Length - _position} left)");
        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    /// <summary>Raw varint-length-prefixed UTF-8 text of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="FormatException">As <see cref="ReadRawBytes"/>, or invalid UTF-8.</exception>
    public string ReadRawString(string field, int maxBytes)
    {
        var bytes = ReadRawBytes(field, maxBytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new FormatException($"{field}: not valid UTF-8");
        }
    }

    /// <summary>A raw big-endian 64-bit integer.</summary>
    /// <exception cref="FormatException"><c>{field}: truncated</c>.</exception>
    public ulong ReadRawUInt64BigEndian(string field)
    {
        if (_data.Length - _position < 8) throw new FormatException($"{field}: truncated");
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_position, 8));
        _position += 8;
        return value;
    }

    private readonly void Expect(int wireType)
    {
        if (WireType != wireType)
            throw new FormatException($"protobuf: field {FieldNumber} has wire type {WireType}, expected {wireType}");
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _position) throw new FormatException($"protobuf: field {FieldNumber} is truncated");
        _position += count;
    }

    private ulong ReadLooseVarint(string what)
    {
        ulong value = 0;
        for (var i = 0; i < Encoding.Varint.MaxLength; i++)
        {
            if (_position >= _data.Length) throw new FormatException($"protobuf: truncated {what}");
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return value;
        }
        throw new FormatException($"protobuf: {what} varint is too long");
    }
}
