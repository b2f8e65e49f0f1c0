namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>Reservation { expire=1 (unix seconds); addrs=2*; voucher=3 (signed envelope) }</c>.</summary>
internal sealed class Reservation : RelayMessage<Reservation>
{
    public ulong? Expire { get; set; }

    public List<byte[]> Addrs { get; } = [];

    public byte[]? Voucher { get; set; }

    public override void WriteTo(ProtoWriter writer)
    {
        WriteVarint(writer, 1, Expire);
        foreach (var a in Addrs) writer.WriteBytesField(2, a);
        WriteBytes(writer, 3, Voucher);
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 0): Expire = r.ReadVarint(); break;
                case (2, 2): Addrs.Add(r.ReadBytes().ToArray()); break;
                case (3, 2): Voucher = r.ReadBytes().ToArray(); break;
                default: r.Skip(); break;
            }
        }
    }
}
