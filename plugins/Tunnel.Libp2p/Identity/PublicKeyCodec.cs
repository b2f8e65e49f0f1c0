using PluginMesh.Plugins.Tunnel.Libp2p.Protobuf;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Identity;

/// <summary>The libp2p <c>PublicKey</c>/<c>PrivateKey</c> protobuf: <c>{ KeyType Type = 1; bytes Data = 2; }</c>.</summary>
public static class PublicKeyCodec
{
    public static byte[] Encode(KeyType type, ReadOnlySpan<byte> data)
    {
        var writer = new ProtoWriter(data.Length + 8);
        // Type is written even though Ed25519 is not 0: RSA (0) must still appear on the wire (proto2 required).
        writer.WriteVarintField(1, (ulong)type);
        writer.WriteBytesField(2, data);
        return writer.ToArray();
    }

    /// <summary>Decodes a key protobuf; throws <see cref="FormatException"/> when a field is missing or broken.</summary>
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
