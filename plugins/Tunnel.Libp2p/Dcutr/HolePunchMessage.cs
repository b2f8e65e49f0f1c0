namespace PluginMesh.Plugins.Tunnel.Libp2p.Dcutr;

/// <summary>DCUtR <c>HolePunch { Type type = 1 (CONNECT 100, SYNC 300); repeated bytes ObsAddrs = 2 }</c>, at most 4 KiB.</summary>
public sealed record HolePunchMessage(int Type, IReadOnlyList<byte[]> ObsAddrs)
{
    public const int MaxSize = 4096;
    public const int Connect = 100;
    public const int Sync = 300;

    public byte[] Encode()
    {
        var w = new ProtoWriter();
        w.WriteVarintField(1, (ulong)Type);
        foreach (var a in ObsAddrs) w.WriteBytesField(2, a);
        return w.ToArray();
    }

    /// <exception cref="FormatException">Not a HolePunch message, or a type other than CONNECT/SYNC.</exception>
    public static HolePunchMessage Decode(ReadOnlySpan<byte> data)
    {
        int? type = null;
        var addrs = new List<byte[]>();
        var r = new ProtoReader(data);
        while (r.Next())
        {
            if (r.FieldNumber == 1) type = checked((int)r.ReadVarint());
            else if (r.FieldNumber == 2) addrs.Add(r.ReadBytes().ToArray());
            else r.Skip();
        }
        if (type is not (Connect or Sync)) throw new FormatException($"dcutr: message type {(type?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing")} is neither CONNECT nor SYNC");
        return new HolePunchMessage(type.Value, addrs);
    }
}
