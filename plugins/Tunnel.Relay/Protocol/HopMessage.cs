namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>HopMessage { type=1; peer=2; reservation=3; limit=4; status=5 }</c>.</summary>
internal sealed class HopMessage : RelayMessage<HopMessage>
{
    public HopMessageType? Type { get; set; }

    public Peer? Peer { get; set; }

    public Reservation? Reservation { get; set; }

    public Limit? Limit { get; set; }

    public Status? Status { get; set; }

    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public static HopMessage Parse(ReadOnlySpan<byte> data)
    {
        var message = new HopMessage();
        message.MergeFrom(data);
        return message;
    }

    public override void WriteTo(ProtoWriter writer)
    {
        WriteVarint(writer, 1, EnumValue((int?)Type));
        WriteMessage(writer, 2, Peer);
        WriteMessage(writer, 3, Reservation);
        WriteMessage(writer, 4, Limit);
        WriteVarint(writer, 5, EnumValue((int?)Status));
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 0): Type = (HopMessageType)Low32(r.ReadVarint()); break;
                case (2, 2): (Peer ??= new Peer()).MergeFrom(r.ReadBytes()); break;
                case (3, 2): (Reservation ??= new Reservation()).MergeFrom(r.ReadBytes()); break;
                case (4, 2): (Limit ??= new Limit()).MergeFrom(r.ReadBytes()); break;
                case (5, 0): Status = (Status)Low32(r.ReadVarint()); break;
                default: r.Skip(); break;
            }
        }
    }
}
