namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>StopMessage { type=1; peer=2; limit=3; status=4 }</c>.</summary>
internal sealed class StopMessage : RelayMessage<StopMessage>
{
    public StopMessageType? Type { get; set; }

    public Peer? Peer { get; set; }

    public Limit? Limit { get; set; }

    public Status? Status { get; set; }

    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public static StopMessage Parse(ReadOnlySpan<byte> data)
    {
        var message = new StopMessage();
        message.MergeFrom(data);
        return message;
    }

    public override void WriteTo(ProtoWriter writer)
    {
        WriteVarint(writer, 1, EnumValue((int?)Type));
        WriteMessage(writer, 2, Peer);
        WriteMessage(writer, 3, Limit);
        WriteVarint(writer, 4, EnumValue((int?)Status));
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 0): Type = (StopMessageType)Low32(r.ReadVarint()); break;
                case (2, 2): (Peer ??= new Peer()).MergeFrom(r.ReadBytes()); break;
                case (3, 2): (Limit ??= new Limit()).MergeFrom(r.ReadBytes()); break;
                case (4, 0): Status = (Status)Low32(r.ReadVarint()); break;
                default: r.Skip(); break;
            }
        }
    }
}
