namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>ReservationVoucher { relay=1; peer=2 (multihashes); expiration=3 (unix seconds) }</c>, the record inside a voucher envelope.</summary>
internal sealed class ReservationVoucher : RelayMessage<ReservationVoucher>
{
    public byte[]? Relay { get; set; }

    public byte[]? Peer { get; set; }

    public ulong? Expiration { get; set; }

    /// <exception cref="FormatException">Structurally broken protobuf.</exception>
    public static ReservationVoucher Parse(ReadOnlySpan<byte> data)
    {
        var message = new ReservationVoucher();
        message.MergeFrom(data);
        return message;
    }

    public override void WriteTo(ProtoWriter writer)
    {
        WriteBytes(writer, 1, Relay);
        WriteBytes(writer, 2, Peer);
        WriteVarint(writer, 3, Expiration);
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 2): Relay = r.ReadBytes().ToArray(); break;
                case (2, 2): Peer = r.ReadBytes().ToArray(); break;
                case (3, 0): Expiration = r.ReadVarint(); break;
                default: r.Skip(); break;
            }
        }
    }
}
