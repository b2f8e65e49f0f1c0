namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>Limit { duration=1 (uint32 seconds); data=2 (uint64 bytes) }</c>.</summary>
internal sealed class Limit : RelayMessage<Limit>
{
    public uint? Duration { get; set; }

    public ulong? Data { get; set; }

    public override void WriteTo(ProtoWriter writer)
    {
        WriteVarint(writer, 1, Duration);
        WriteVarint(writer, 2, Data);
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 0): Duration = Low32(r.ReadVarint()); break;
                case (2, 0): Data = r.ReadVarint(); break;
                default: r.Skip(); break;
            }
        }
    }
}
