namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>Peer { id=1 (multihash); addrs=2* (binary multiaddrs) }</c>.</summary>
internal sealed class Peer : RelayMessage<Peer>
{
    public byte[]? Id { get; set; }

    public List<byte[]> Addrs { get; } = [];

    public override void WriteTo(ProtoWriter writer)
    {
        WriteBytes(writer, 1, Id);
        foreach (var a in Addrs) writer.WriteBytesField(2, a);
    }

    public override void MergeFrom(ReadOnlySpan<byte> data)
    {
        var r = new ProtoReader(data);
        while (r.Next())
        {
            switch ((r.FieldNumber, r.WireType))
            {
                case (1, 2): Id = r.ReadBytes().ToArray(); break;
                case (2, 2): Addrs.Add(r.ReadBytes().ToArray()); break;
                default: r.Skip(); break;
            }
        }
    }
}
