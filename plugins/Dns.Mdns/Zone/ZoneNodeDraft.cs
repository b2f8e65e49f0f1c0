namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>A name's records while an index is being built; <see cref="Encode"/> turns it into the immutable <see cref="ZoneNode"/>.</summary>
internal sealed class ZoneNodeDraft(bool inDomain)
{
    private static readonly byte[] Owner = [0xC0, 0x0C];

    public bool InDomain { get; } = inDomain;
    public bool HasSoa { get; set; }
    public List<IPAddress> Addresses { get; } = [];
    public List<SrvDraft> Srv { get; } = [];
    public List<string> Ptr { get; } = [];

    public ZoneNode Encode(uint ttl, byte[] soa, int domainWireLength)
    {
        var sets = new List<ZoneRecordSet>();
        Add(sets, DnsType.A, Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).Select(a => a.GetAddressBytes()), ttl);
        Add(sets, DnsType.Aaaa, Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetworkV6).Select(a => a.GetAddressBytes()), ttl);
        Add(sets, DnsType.Srv, Srv.Select(s =>
        {
            var target = DnsNames.ToWire(s.Target)!;
            var data = new byte[6 + target.Length];
            var w = new DnsWriter(data);
            w.WriteUInt16(0);
            w.WriteUInt16(s.Weight);
            w.WriteUInt16(s.Port);
            w.WriteBytes(target);
            return data;
        }), ttl);
        Add(sets, DnsType.Ptr, Ptr.Distinct(StringComparer.Ordinal).Select(p => DnsNames.ToWire(p)!), ttl);
        if (HasSoa)
        {
            // The apex SOA as an answer: the owner becomes the question pointer like every other answer.
            sets.Add(new ZoneRecordSet(DnsType.Soa, 1, [.. Owner, .. soa.AsSpan(domainWireLength)]));
        }

        ZoneRecordSet? any = null;
        if (sets.Count > 0)
        {
            var wire = new byte[sets.Sum(s => s.Wire.Length)];
            var offset = 0;
            foreach (var set in sets)
            {
                set.Wire.CopyTo(wire, offset);
                offset += set.Wire.Length;
            }
            any = wire.Length <= ZoneBuilder.MaxSetBytes ? new ZoneRecordSet(DnsType.Any, (ushort)sets.Sum(s => s.Count), wire) : null;
        }
        return new ZoneNode([.. sets], any, Addresses.ToArray(), InDomain);
    }

    private static void Add(List<ZoneRecordSet> sets, ushort type, IEnumerable<byte[]> rdata, uint ttl)
    {
        var records = new List<byte[]>();
        var size = 0;
        foreach (var data in rdata)
        {
            if (size + 12 + data.Length > ZoneBuilder.MaxSetBytes) break;
            records.Add(data);
            size += 12 + data.Length;
        }
        if (records.Count == 0) return;

        var wire = new byte[size];
        var writer = new DnsWriter(wire);
        foreach (var data in records)
        {
            writer.WriteRecordHeader(Owner, type, ttl, (ushort)data.Length);
            writer.WriteBytes(data);
        }
        sets.Add(new ZoneRecordSet(type, (ushort)records.Count, wire));
    }
}
