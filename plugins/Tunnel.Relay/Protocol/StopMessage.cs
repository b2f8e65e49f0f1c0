namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>StopMessage { type=1; peer=2; limit=3; status=4 }</c>.</summary>
internal sealed class StopMessage : RelayMessage<StopMessage>
{
    internal static readonly ProtoSchema<StopMessage> Fields = new ProtoSchema<StopMessage>()
        .Int32(1, m => (int?)m.Type, (m, v) => m.Type = (StopMessageType)v)
        .Message(2, Protocol.Peer.Fields, m => m.Peer, m => m.Peer ??= new())
        .Message(3, Protocol.Limit.Fields, m => m.Limit, m => m.Limit ??= new())
        .Int32(4, m => (int?)m.Status, (m, v) => m.Status = (Status)v);

    public StopMessageType? Type { get; set; }

    public Peer? Peer { get; set; }

    public Limit? Limit { get; set; }

    public Status? Status { get; set; }

    protected override ProtoSchema<StopMessage> Schema => Fields;
}
