using System.Text;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>Hand-built mDNS packets, good and hostile, independent of the plugin's writer.</summary>
public static class MdnsPackets
{
    public const string Service = "_p2p._udp.local";

    public static byte[] Name(string dotted)
    {
        var bytes = new List<byte>();
        foreach (var label in dotted.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var l = Encoding.UTF8.GetBytes(label);
            bytes.Add((byte)l.Length);
            bytes.AddRange(l);
        }
        bytes.Add(0);
        return [.. bytes];
    }

    public static byte[] Header(ushort flags, int qd, int an, int ns, int ar) =>
        [0, 0, (byte)(flags >> 8), (byte)flags, 0, (byte)qd, 0, (byte)an, 0, (byte)ns, 0, (byte)ar];

    public static byte[] Record(byte[] owner, ushort type, uint ttl, byte[] data) =>
        [.. owner, (byte)(type >> 8), (byte)type, 0, 1, (byte)(ttl >> 24), (byte)(ttl >> 16), (byte)(ttl >> 8), (byte)ttl,
            (byte)(data.Length >> 8), (byte)data.Length, .. data];

    public static byte[] Txt(params string[] strings)
    {
        var bytes = new List<byte>();
        foreach (var s in strings)
        {
            var b = Encoding.UTF8.GetBytes(s);
            bytes.Add((byte)b.Length);
            bytes.AddRange(b);
        }
        return [.. bytes];
    }

    public static byte[] Query(string name = Service, ushort type = 12) =>
        [.. Header(0, 1, 0, 0, 0), .. Name(name), (byte)(type >> 8), (byte)type, 0, 1];

    /// <summary>js's shape: PTR and one TXT per address, all in answers, no question.</summary>
    public static byte[] JsResponse(string peerName, uint ttl, params string[] addresses)
    {
        var instance = Name(peerName + "." + Service);
        var records = new List<byte[]> { Record(Name(Service), 12, ttl, instance) };
        records.AddRange(addresses.Select(a => Record(instance, 16, ttl, Txt("dnsaddr=" + a))));
        return [.. Header(0x8400, 0, records.Count, 0, 0), .. records.SelectMany(r => r)];
    }

    /// <summary>The spec's shape: PTR in answers; SRV, A and the TXT in additionals (TXT with several strings).</summary>
    public static byte[] SpecResponse(string peerName, uint ttl, params string[] addresses)
    {
        var instance = Name(peerName + "." + Service);
        byte[] host = Name("host.local");
        return
        [
            .. Header(0x8400, 0, 1, 0, 3),
            .. Record(Name(Service), 12, ttl, instance),
            .. Record(instance, 33, ttl, [0, 0, 0, 0, 0x0F, 0xA1, .. host]),
            .. Record(host, 1, ttl, [10, 0, 0, 9]),
            .. Record(instance, 16, ttl, Txt([.. addresses.Select(a => "dnsaddr=" + a), "other=ignored"])),
        ];
    }

    /// <summary>A response whose header promises more than the packet holds.</summary>
    public static byte[] Truncated() => JsResponse("abcdefghijklmnopqrstuvwxyz012345", 120, "/ip4/10.0.0.1/tcp/1/p2p/" + MdnsHelpers.PeerA)[..40];

    /// <summary>64 addresses of one peer: far over the per-peer cap.</summary>
    public static byte[] HugeTxt() => JsResponse("hugehugehugehugehugehugehugehuge", 120,
        [.. Enumerable.Range(0, 40).Select(i => $"/ip4/10.0.{i}.1/tcp/4001/p2p/{MdnsHelpers.PeerA}")]);

    /// <summary>A PTR whose owner name is a pointer to itself.</summary>
    public static byte[] CompressionLoop() =>
        [.. Header(0x8400, 0, 1, 0, 0), 0xC0, 12, 0, 12, 0, 1, 0, 0, 0, 120, 0, 2, 0xC0, 12];
}
