using PluginMesh.Abstractions.Directory;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Records;

/// <summary>
/// A signed record produced by the directory's former code (its own WireWriter and base58, NSec-era
/// verification) for a fixed key: the core-based codec must write the same bytes and still accept them.
/// </summary>
public sealed class RecordVectorTests
{
    private const string Wire = "ca030106656467652d3734313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e643943715966024f2f6970342f31302e302e302e372f7463702f343030312f7032702f313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e643943715966542f646e73342f656467652d372e6c6f63616c2f7463702f343030312f7032702f313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e6439437159660193012f6970342f312e322e332e342f7463702f343030312f7032702f313244334b6f6f5751436b426d314259746b48706f637843774d675238796a697445654847783873707a63444c477432676b426d2f7032702d636972637569742f7032702f313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e643943715966020572656c617903646e730201610162047a6f6e650673686f702d3100001047ab243800000001a22ee6b000240801122079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966440786e10da817989d67fa53a2bd7f87cd30af63b77278643e81c2c8d09ac58ea79cc4fbcac80f4be932189a31c3335822333abe1fc30548bce6d3e5128c26f5b03";

    /// <summary>Version 2 (offers and agent facts) as first written by this code: kept so a later change cannot silently move it.</summary>
    private const string WireV2 = "b602020772656c61792d3734313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e64394371596601522f6970342f3230332e302e3131332e372f7463702f343030312f7032702f313244334b6f6f574a315473696a48374835463734686641443558697368517a337378726d41745659333747744e64394371596600010572656c617901047a6f6e650673686f702d3100001047ab243800000001a22ee6b000240801122079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664010104800880a305010572656c6179040e62797465735065725365636f6e6440fe8480000000000863697263756974734008000000000000046c6f61643fd80000000000000c7265736572766174696f6e73402800000000000040524b70e46cb016ddd0889e061466bcb4f20168aa5ad46b6c4baebfc417cfbd357bf4259f6d7197b62b51228d00da46264559b2bb0e2bb49d5f632d541dd03201";

    private static PrivateKey Key() => PrivateKey.FromSeed(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public void Sign_FixedRecord_SameBytesAsBefore()
    {
        using var key = Key();
        Assert.Equal("12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf", key.PeerId.ToString());
        var record = new NodeRecord("edge-7", key.PeerId,
            [Multiaddr.Parse("/ip4/10.0.0.7/tcp/4001/p2p/" + key.PeerId), Multiaddr.Parse("/dns4/edge-7.local/tcp/4001/p2p/" + key.PeerId)],
            [Multiaddr.Parse("/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm/p2p-circuit/p2p/" + key.PeerId)],
            ["relay", "dns"], 1_790_000_000_000_0, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            new Dictionary<string, string> { ["zone"] = "shop-1", ["a"] = "b" });
        var signed = RecordCodec.Sign(record, key.PublicKey.Protobuf, d => key.Sign(d));
        Assert.Equal(Wire, Convert.ToHexStringLower(RecordCodec.Encode(signed)));
    }

    [Fact]
    public void DecodeAndVerify_FormerEncoding_IsAccepted()
    {
        using var key = Key();
        var signed = RecordCodec.Decode(Convert.FromHexString(Wire));
        Assert.Null(RecordVerifier.Verify(signed));
        Assert.Equal(key.PeerId, signed.Record.PeerId);
        Assert.Equal(2, signed.Record.DirectAddresses.Count);
        Assert.Equal("shop-1", signed.Record.Labels["zone"]);
        // Re-encoding what was read gives the received bytes back: the body is kept as signed.
        Assert.Equal(Wire, Convert.ToHexStringLower(RecordCodec.Encode(signed)));
    }

    [Fact]
    public void Sign_FixedVersion2Record_SameBytesAsFirstWritten()
    {
        using var key = Key();
        var labels = new Dictionary<string, string> { ["zone"] = "shop-1" };
        foreach (var l in new AgentFacts(PluginMesh.Abstractions.Tunnel.Reachability.Public, 4, 1024, 86400).ToLabels()) labels[l.Key] = l.Value;
        var record = new NodeRecord("relay-7", key.PeerId, [Multiaddr.Parse("/ip4/203.0.113.7/tcp/4001/p2p/" + key.PeerId)], [],
            ["relay"], 1_790_000_000_000_0, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), labels)
        {
            Offers = new Dictionary<string, IReadOnlyDictionary<string, double>>
            {
                ["relay"] = new Dictionary<string, double> { ["reservations"] = 12, ["circuits"] = 3, ["bytesPerSecond"] = 125000, ["load"] = 0.375 },
            },
        };
        var signed = RecordCodec.Sign(record, key.PublicKey.Protobuf, d => key.Sign(d));
        Assert.Equal(WireV2, Convert.ToHexStringLower(RecordCodec.Encode(signed)));
        var decoded = RecordCodec.Decode(Convert.FromHexString(WireV2));
        Assert.Null(RecordVerifier.Verify(decoded));
        Assert.Equal(0.375, decoded.Record.Offers["relay"]["load"]);
        Assert.Equal("public", decoded.Record.Labels[AgentFacts.ReachabilityLabel]);
    }

    [Fact]
    public async Task Store_FormerEncoding_IsAccepted()
    {
        // A record signed by the former code is accepted by the store, not only by the verifier.
        var time = new ManualTime(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));
        var store = Stores.Create(time);
        var result = await store.AcceptWireAsync(Convert.FromHexString(Wire), "peer:old", CancellationToken.None);
        Assert.Equal(PluginMesh.Plugins.Directory.P2p.Store.AcceptStatus.Accepted, result.Status);
        Assert.Equal("edge-7", store.Resolve("edge-7")!.NodeName);
    }
}
