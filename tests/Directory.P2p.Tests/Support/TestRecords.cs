using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>Signed records made with real identity keys.</summary>
internal static class TestRecords
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);

    public static NodeRecord Record(PrivateKey key, string node, long sequence, DateTimeOffset? expires = null, string address = "/ip4/10.0.0.1/tcp/4001") =>
        new(node, key.PeerId, [Multiaddr.Parse(address + "/p2p/" + key.PeerId)], [Multiaddr.Parse("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit/p2p/" + key.PeerId)],
            ["relay", "dns"], sequence, expires ?? Now.AddHours(1), new Dictionary<string, string> { ["zone"] = "shop-1", ["a"] = "b" });

    public static SignedNodeRecord Signed(PrivateKey key, string node, long sequence, DateTimeOffset? expires = null, string address = "/ip4/10.0.0.1/tcp/4001") =>
        RecordCodec.Sign(Record(key, node, sequence, expires, address), key.PublicKey.Protobuf, d => key.Sign(d));

    /// <summary>A version-2 record: a relay offer with its load, and agent facts (public, 4 cores, 2 GiB, up 1 h).</summary>
    public static NodeRecord RecordV2(PrivateKey key, string node, long sequence, double load, DateTimeOffset? expires = null)
    {
        var r = Record(key, node, sequence, expires);
        var labels = r.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        foreach (var l in new AgentFacts(Reachability.Public, 4, 2048, 3600).ToLabels()) labels[l.Key] = l.Value;
        return r with
        {
            Labels = labels,
            Offers = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["relay"] = new Dictionary<string, double> { ["reservations"] = 3, ["load"] = load } },
        };
    }

    public static SignedNodeRecord SignedV2(PrivateKey key, string node, long sequence, double load, DateTimeOffset? expires = null) =>
        RecordCodec.Sign(RecordV2(key, node, sequence, load, expires), key.PublicKey.Protobuf, d => key.Sign(d));
}
