namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>HopMessage { type=1; peer=2; reservation=3; limit=4; status=5 }</c>.</summary>
internal sealed class HopMessage : RelayMessage<HopMessage>
{
    internal static readonly ProtoSchema<HopMessage> Fields = new ProtoSchema<HopMessage>()
        .Int32(1, m => (int?)m.Type, (m, v) => m.Type = (HopMessageType)v)
        .Message(2, Protocol.Peer.Fields, m => m.Peer, m => m.Peer ??= new())
        .Message(3, Protocol.Reservation.Fields, m => m.Reservation, m => m.Reservation ??= new())
        .Message(4, Protocol.Limit.Fields, m => m.Limit, m => m.Limit ??= new())
        .Int32(5, m => (int?)m.Status, (m, v) => m.Status = (Status)v);

    public HopMessageType? Type { get; set; }

    public Peer? Peer { get; set; }

    public Reservation? Reservation { get; set; }

    public Limit? Limit { get; set; }

    public Status? Status { get; set; }

    protected override ProtoSchema<HopMessage> Schema => Fields;
}
