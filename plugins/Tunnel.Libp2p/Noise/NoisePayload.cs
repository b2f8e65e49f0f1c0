namespace PluginMesh.Plugins.Tunnel.Libp2p.Noise;

/// <summary>
/// The libp2p Noise handshake payload: <c>identity_key = 1</c>, <c>identity_sig = 2</c>,
/// <c>extensions = 4 { webtransport_certhashes = 1; stream_muxers = 2 }</c>.
/// </summary>
internal sealed record NoisePayload(byte[] IdentityKey, byte[] IdentitySignature, IReadOnlyList<string> StreamMuxers)
{
    public byte[] Encode()
    {
        var writer = new ProtoWriter(IdentityKey.Length + IdentitySignature.Length + 64);
        writer.WriteBytesField(1, IdentityKey);
        writer.WriteBytesField(2, IdentitySignature);
        if (StreamMuxers.Count > 0)
        {
            var extensions = new ProtoWriter(64);
            foreach (var muxer in StreamMuxers) extensions.WriteStringField(2, muxer);
            writer.WriteBytesField(4, extensions.WrittenSpan);
        }
        return writer.ToArray();
    }

    /// <summary>Decodes; throws <see cref="FormatException"/> when broken or when key/signature are missing.</summary>
    public static NoisePayload Decode(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        byte[]? key = null, sig = null;
        var muxers = new List<string>();
        while (reader.Next())
        {
            switch (reader.FieldNumber)
            {
                case 1: key = reader.ReadBytes().ToArray(); break;
                case 2: sig = reader.ReadBytes().ToArray(); break;
                case 4:
                    var ext = new ProtoReader(reader.ReadBytes());
                    while (ext.Next())
                    {
                        if (ext.FieldNumber == 2 && muxers.Count < 32) muxers.Add(ext.ReadString());
                        else ext.Skip();
                    }
                    break;
                default: reader.Skip(); break;
            }
        }
        if (key is null) throw new FormatException("noise payload: missing identity_key");
        if (sig is null) throw new FormatException("noise payload: missing identity_sig");
        return new NoisePayload(key, sig, muxers);
    }
}
