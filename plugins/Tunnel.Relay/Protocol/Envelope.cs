namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>A signed envelope (RFC 0002): <c>{ public_key=1; payload_type=2; payload=3; signature=5 }</c>.</summary>
internal sealed class Envelope : RelayMessage<Envelope>
{
    public byte[]? PublicKey { get; set; }

    public byte[]? PayloadType { get; set; }

    public byte[]? Payload { get; set; }

    public byte[]? Signature { get; set; }

    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public static Envelope Parse(ReadOnlySpan<byte> data)
    {
        var message = new Envelope();
        message.MergeFrom(data);
        return message;
    }

    public override void WriteTo(ProtoWriter writer)
    {
        WriteBytes(writer, 1, PublicKey);
        WriteBytes(writer, 2, PayloadType);
        WriteBytes(writer, 3, Payload);
        WriteBytes(writer, 5, Signature);
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 2): PublicKey = r.ReadBytes().ToArray(); break;
                case (2, 2): PayloadType = r.ReadBytes().ToArray(); break;
                case (3, 2): Payload = r.ReadBytes().ToArray(); break;
                case (5, 2): Signature = r.ReadBytes().ToArray(); break;
                default: r.Skip(); break;
            }
        }
    }
}
