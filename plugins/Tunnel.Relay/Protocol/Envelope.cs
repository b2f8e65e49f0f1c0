namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary>A signed envelope (RFC 0002): <c>{ public_key=1; payload_type=2; payload=3; signature=5 }</c>.</summary>
internal sealed class Envelope : RelayMessage<Envelope>
{
    internal static readonly ProtoSchema<Envelope> Fields = new ProtoSchema<Envelope>()
        .Bytes(1, m => m.PublicKey, (m, v) => m.PublicKey = v)
        .Bytes(2, m => m.PayloadType, (m, v) => m.PayloadType = v)
        .Bytes(3, m => m.Payload, (m, v) => m.Payload = v)
        .Bytes(5, m => m.Signature, (m, v) => m.Signature = v);

    public byte[]? PublicKey { get; set; }

    public byte[]? PayloadType { get; set; }

    public byte[]? Payload { get; set; }

    public byte[]? Signature { get; set; }

    protected override ProtoSchema<Envelope> Schema => Fields;
}
