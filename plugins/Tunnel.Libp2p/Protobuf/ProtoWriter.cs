using System.Buffers;
using System.Text;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

/// <summary>
/// A minimal protobuf writer for libp2p's small control messages (keys, Noise payload, Identify).
/// Every field is written when called, including zero values, because libp2p's proto2 peers
/// treat a missing required-in-practice field as malformed.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public ProtoWriter(int initialCapacity = 128) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void WriteVarintField(int field, ulong value)
    {
        WriteRawVarint((ulong)(field << 3));
        WriteRawVarint(value);
    }

    public void WriteBytesField(int field, ReadOnlySpan<byte> value)
    {
        WriteRawVarint((ulong)((field << 3) | 2));
        WriteRawVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteStringField(int field, string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteRawVarint((ulong)((field << 3) | 2));
        WriteRawVarint((ulong)byteCount);
        var span = _buffer.GetSpan(byteCount);
        Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(byteCount);
    }

    private void WriteRawVarint(ulong value)
    {
        var span = _buffer.GetSpan(Varint.MaxLength);
        _buffer.Advance(Varint.Write(span, value));
    }
}
