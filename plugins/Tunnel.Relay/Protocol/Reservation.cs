namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>Reservation { expire=1 (unix seconds); addrs=2*; voucher=3 (signed envelope) }</c>.</summary>
internal sealed class Reservation : RelayMessage<Reservation>
{
    internal static readonly ProtoSchema<Reservation> Fields = new ProtoSchema<Reservation>()
        .UInt64(1, m => m.Expire, (m, v) => m.Expire = v)
        .RepeatedBytes(2, m => m.Addrs)
        .Bytes(3, m => m.Voucher, (m, v) => m.Voucher = v);

    public ulong? Expire { get; set; }

    public List<byte[]> Addrs { get; } = [];

    public byte[]? Voucher { get; set; }

    protected override ProtoSchema<Reservation> Schema => Fields;
}
