namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>Peer { id=1 (multihash); addrs=2* (binary multiaddrs) }</c>.</summary>
internal sealed class Peer : RelayMessage<Peer>
{
    internal static readonly ProtoSchema<Peer> Fields = new ProtoSchema<Peer>()
        .Bytes(1, m => m.Id, (m, v) => m.Id = v)
        .RepeatedBytes(2, m => m.Addrs);

    public byte[]? Id { get; set; }

    public List<byte[]> Addrs { get; } = [];

    protected override ProtoSchema<Peer> Schema => Fields;
}
