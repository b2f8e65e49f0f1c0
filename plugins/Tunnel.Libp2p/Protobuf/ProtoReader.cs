namespace PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

/// <summary>
/// A minimal forward-only protobuf reader. Unknown fields are skipped (libp2p peers add fields);
/// anything structurally broken throws <see cref="FormatException"/> naming the problem.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public int FieldNumber { get; private set; }

    public int WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (_position >= _data.Length) return false;
        var tag = ReadRawVarint("tag");
        FieldNumber = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        if (FieldNumber == 0 || tag >> 3 > int.MaxValue) throw new FormatException("protobuf: invalid field number 0");
        return true;
    }

    public ulong ReadVarint()
    {
        Expect(0);
        return ReadRawVarint("varint field");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        Expect(2);
        var length = ReadRawVarint("length");
        if (length > (ulong)(_data.Length - _position))
            throw new FormatException($"protobuf: field {FieldNumber} length {length} runs past the end of the message");
        var value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

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

    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadRawVarint("varint field"); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw new FormatException($"protobuf: field {FieldNumber} has unsupported wire type {WireType}");
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);

    private void Expect(int wireType)
    {
        if (WireType != wireType)
            throw new FormatException($"protobuf: field {FieldNumber} has wire type {WireType}, expected {wireType}");
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _position) throw new FormatException($"protobuf: field {FieldNumber} is truncated");
        _position += count;
    }

    private ulong ReadRawVarint(string what)
    {
        // Protobuf allows non-minimal varints, so this does not reuse the multiformats check.
        ulong value = 0;
        for (var i = 0; i < Varint.MaxLength; i++)
        {
            if (_position >= _data.Length) throw new FormatException($"protobuf: truncated {what}");
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << (7 * i);
            if (b < 0x80) return value;
        }
        throw new FormatException($"protobuf: {what} varint is too long");
    }
}
