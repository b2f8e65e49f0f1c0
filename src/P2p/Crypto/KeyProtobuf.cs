using PluginMesh.P2p.Protobuf;

namespace PluginMesh.P2p.Crypto;

/// <summary>The libp2p <c>PublicKey</c>/<c>PrivateKey</c> protobuf: <c>{ KeyType Type = 1; bytes Data = 2; }</c>.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class KeyProtobuf
{
    /// <summary>Encodes a key; <c>Type</c> is always written (RSA is 0 and proto2 peers require it).</summary>
    public static byte[] Encode(KeyType type, ReadOnlySpan<byte> data)
    {
        var writer = new ProtoWriter(data.Length + 8);
        writer.WriteVarintField(1, (ulong)type);
        writer.WriteBytesField(2, data);
        return writer.ToArray();
    }

    /// <summary>Decodes a key protobuf; unknown fields are skipped.</summary>
    /// <exception cref="FormatException">Broken protobuf, an unknown key type, or a missing field; the message starts with <c>key:</c> or <c>protobuf:</c>.</exception>
    public static (KeyType Type, byte[] Data) Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new ProtoReader(encoded);
        KeyType? type = null;
        byte[]? data = null;
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1:
                    var raw = reader.ReadVarint();
                    if (raw > 3) throw new FormatException($"key: unknown key type {raw}");
                    type = (KeyType)raw;
                    break;
                case 2:
                    data = reader.ReadBytes().ToArray();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        if (type is null) throw new FormatException("key: missing Type field");
        if (data is null) throw new FormatException("key: missing Data field");
        return (type.Value, data);
    }
}
