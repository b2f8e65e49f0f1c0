using System.Buffers;
using System.Buffers.Binary;
using PluginMesh.P2p.Encoding;

namespace PluginMesh.P2p.Protobuf;

/// <summary>
/// A minimal protobuf writer for libp2p's small control messages (keys, Noise payload, Identify,
/// relay, AutoNAT, DCUtR), plus the raw primitives of canonical length-prefixed layouts.
/// Every field is written when called, zero values included: libp2p's proto2 peers treat a missing
/// required-in-practice field (<c>type = 0</c>) as malformed, so presence is the caller's choice.
/// </summary>
/// <remarks>Not thread-safe: one writer per message.</remarks>
public sealed class ProtoWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    /// <summary>An empty writer.</summary>
    public ProtoWriter(int initialCapacity = 128) => _buffer = new ArrayBufferWriter<byte>(Math.Max(1, initialCapacity));

    /// <summary>What was written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>A copy of what was written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    /// <summary>Field <paramref name="field"/> as a varint (wire type 0).</summary>
    public void WriteVarintField(int field, ulong value)
    {
        WriteRawVarint((ulong)field << 3);
        WriteRawVarint(value);
    }

    /// <summary>Field <paramref name="field"/> as length-delimited bytes (wire type 2), an embedded message included.</summary>
    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteRawVarint(((ulong)field << 3) | 2);
        WriteRawBytes(value);
    }

    /// <summary>Field <paramref name="field"/> as UTF-8 text (wire type 2).</summary>
    public void WriteStringField(int field, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var byteCount = System.Text.Encoding.UTF8.GetByteCount(value);
        WriteRawVarint(((ulong)field << 3) | 2);
        WriteRawVarint((ulong)byteCount);
        var span = _buffer.GetSpan(Math.Max(1, byteCount));
        System.Text.Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(byteCount);
    }

    /// <summary>One raw byte.</summary>
    public void WriteRawByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    /// <summary>A raw (minimal) varint.</summary>
    public void WriteRawVarint(ulong value)
    {
        var span = _buffer.GetSpan(Varint.MaxLength);
        _buffer.Advance(Varint.Write(span, value));
    }

    /// <summary>Raw bytes prefixed by their varint length.</summary>
    public void WriteRawBytes(ReadOnlySpan<byte> value)
    {
        WriteRawVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>Raw UTF-8 text prefixed by its varint byte length.</summary>
    public void WriteRawString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteRawBytes(System.Text.Encoding.UTF8.GetBytes(value));
    }

    /// <summary>A raw big-endian 64-bit integer.</summary>
    public void WriteRawUInt64BigEndian(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }
}
