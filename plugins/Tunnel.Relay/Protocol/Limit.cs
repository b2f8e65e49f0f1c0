namespace PluginMesh.Plugins.Tunnel.Relay.Protocol;

/// <summary><c>Limit { duration=1 (uint32 seconds); data=2 (uint64 bytes) }</c>.</summary>
internal sealed class Limit : RelayMessage<Limit>
{
    internal static readonly ProtoSchema<Limit> Fields = new ProtoSchema<Limit>()
        .UInt32(1, m => m.Duration, (m, v) => m.Duration = v)
        .UInt64(2, m => m.Data, (m, v) => m.Data = v);

    public uint? Duration { get; set; }

    public ulong? Data { get; set; }

    protected override ProtoSchema<Limit> Schema => Fields;
}
