namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>ReservationVoucher { relay=1; peer=2 (multihashes); expiration=3 (unix seconds) }</c>, the record inside a voucher envelope.</summary>
internal sealed class ReservationVoucher : RelayMessage<ReservationVoucher>
{
    internal static readonly ProtoSchema<ReservationVoucher> Fields = new ProtoSchema<ReservationVoucher>()
        .Bytes(1, m => m.Relay, (m, v) => m.Relay = v)
        .Bytes(2, m => m.Peer, (m, v) => m.Peer = v)
        .UInt64(3, m => m.Expiration, (m, v) => m.Expiration = v);

    public byte[]? Relay { get; set; }

    public byte[]? Peer { get; set; }

    public ulong? Expiration { get; set; }

    protected override ProtoSchema<ReservationVoucher> Schema => Fields;
}
