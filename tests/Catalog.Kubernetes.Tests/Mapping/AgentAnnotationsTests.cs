using System.Text;
using System.Text.Json;
using PluginMesh.P2p;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Mapping;

public sealed class AgentAnnotationsTests
{
    private static readonly string Self = TestPeers.Self.ToString();
    private static readonly string Relay = TestPeers.Relay.ToString();
    private static readonly string Other = TestPeers.Other.ToString();

    private static Multiaddr M(string text) => Multiaddr.Parse(text);

    private static string[] Published(AgentAnnotationValues values) => JsonSerializer.Deserialize<string[]>(values.Addresses)!;

    [Fact]
    public void Encode_LeavesOutLoopbackLinkLocalAndUnspecified()
    {
        var values = AgentAnnotations.Encode(TestPeers.Self,
        [
            M("/ip4/127.0.0.1/tcp/4001"), M("/ip4/169.254.96.16/tcp/4001"), M("/ip4/0.0.0.0/tcp/4001"), M("/ip6/::1/tcp/4001"),
            M("/ip6/fe80::1/tcp/4001"), M("/ip6/::/tcp/4001"), M("/ip6/::ffff:127.0.0.1/tcp/4001"),
            M($"/ip4/127.0.0.1/tcp/4002/p2p/{Relay}/p2p-circuit/p2p/{Self}"),
            M("/ip4/192.168.1.10/tcp/4001"), M("/ip4/203.0.113.5/tcp/4001"),
        ], offersRelay: false);

        Assert.Equal(["/ip4/203.0.113.5/tcp/4001", "/ip4/192.168.1.10/tcp/4001"], Published(values));
        Assert.Equal(2, values.AddressCount);
    }

    [Fact]
    public void Encode_OnlyLoopback_PublishesTheLoopbackOnes_DirectFirst()
    {
        // Every agent on one host (pluginmesh demo): loopback is how the others reach this one.
        var values = AgentAnnotations.Encode(TestPeers.Self,
        [
            M($"/ip4/127.0.0.1/tcp/4002/p2p/{Relay}/p2p-circuit/p2p/{Self}"),
            M("/ip4/169.254.96.16/tcp/4001"), M("/ip4/0.0.0.0/tcp/4001"), M("/ip6/fe80::1/tcp/4001"),
            M("/ip4/127.0.0.1/tcp/4001"),
        ], offersRelay: false);

        Assert.Equal(["/ip4/127.0.0.1/tcp/4001", $"/ip4/127.0.0.1/tcp/4002/p2p/{Relay}/p2p-circuit"], Published(values));
    }

    [Fact]
    public void Encode_PublicBeforePrivate_DirectBeforeRelayed_OtherwiseAsGiven()
    {
        var values = AgentAnnotations.Encode(TestPeers.Self,
        [
            M("/ip4/10.0.0.7/tcp/4001"),
            M($"/ip4/10.0.0.1/tcp/4001/p2p/{Relay}/p2p-circuit/p2p/{Self}"),
            M($"/ip4/198.51.100.1/tcp/4001/p2p/{Relay}/p2p-circuit/p2p/{Self}"),
            M("/ip4/203.0.113.5/tcp/4001"),
            M("/dns4/edge-7.example.com/tcp/4001"),
            M("/ip6/fd00::7/tcp/4001"),
        ], offersRelay: false);

        Assert.Equal(
        [
            "/ip4/203.0.113.5/tcp/4001",
            "/dns4/edge-7.example.com/tcp/4001",
            $"/ip4/198.51.100.1/tcp/4001/p2p/{Relay}/p2p-circuit",
            "/ip4/10.0.0.7/tcp/4001",
            "/ip6/fd00::7/tcp/4001",
            $"/ip4/10.0.0.1/tcp/4001/p2p/{Relay}/p2p-circuit",
        ], Published(values));
    }

    [Fact]
    public void Encode_OwnPeerIdTakenOff_OtherPeersAddressesLeftOut_DuplicatesOnce()
    {
        var values = AgentAnnotations.Encode(TestPeers.Self,
        [
            M($"/ip4/203.0.113.5/tcp/4001/p2p/{Self}"),
            M("/ip4/203.0.113.5/tcp/4001"),
            M($"/ip4/203.0.113.6/tcp/4001/p2p/{Other}"),
        ], offersRelay: false);

        Assert.Equal(["/ip4/203.0.113.5/tcp/4001"], Published(values));
        Assert.Equal(Self, values.PeerId);
    }

    [Fact]
    public void Encode_RelayOffer_TrueOrRemoved()
    {
        Assert.Equal("true", AgentAnnotations.Encode(TestPeers.Self, [], offersRelay: true).Relay);
        var none = AgentAnnotations.Encode(TestPeers.Self, [], offersRelay: false);
        Assert.Null(none.Relay);
        Assert.Equal("[]", none.Addresses);
        Assert.Null(none.ToDictionary()[AgentAnnotations.RelayKey]);
    }

    [Fact]
    public void Encode_ManyAddresses_AtMostSixteen()
    {
        var values = AgentAnnotations.Encode(TestPeers.Self, Enumerable.Range(1, 40).Select(i => M($"/ip4/203.0.113.{i}/tcp/4001")), false);

        Assert.Equal(16, Published(values).Length);
        Assert.Equal("/ip4/203.0.113.1/tcp/4001", Published(values)[0]);
    }

    [Fact]
    public void Encode_LongAddresses_AtMostFourKiB_ShorterOnesStillFit()
    {
        // 266 characters each: 15 of them fill 4 036 bytes of JSON, a 16th would pass 4 096.
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 62), 4)); // 251 characters
        var addresses = Enumerable.Range(0, 20).Select(i => M($"/dns4/{longName}/tcp/{4000 + i}")).Append(M("/ip4/10.0.0.7/tcp/4001"));

        var values = AgentAnnotations.Encode(TestPeers.Self, addresses, false);

        Assert.InRange(Encoding.UTF8.GetByteCount(values.Addresses), 4000, AgentAnnotations.MaxAddressesBytes);
        Assert.Equal(16, values.AddressCount);
        Assert.Equal(15, Published(values).Count(a => a.StartsWith("/dns4/", StringComparison.Ordinal)));
        Assert.Equal("/ip4/10.0.0.7/tcp/4001", Published(values)[^1]);
    }

    [Fact]
    public void RoundTrip_DecodeGivesTheDialableAddressesWithThePeerId()
    {
        var values = AgentAnnotations.Encode(TestPeers.Self,
        [
            M("/ip4/127.0.0.1/tcp/4001"),
            M($"/ip4/192.168.1.10/tcp/4001/p2p/{Self}"),
            M($"/ip4/198.51.100.1/tcp/4001/p2p/{Relay}/p2p-circuit/p2p/{Self}"),
        ], offersRelay: true);
        var warnings = new List<string>();

        var agent = AgentAnnotations.Decode(values.ToDictionary().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!), warnings);

        Assert.Empty(warnings);
        Assert.NotNull(agent);
        Assert.Equal(TestPeers.Self, agent.PeerId);
        Assert.True(agent.OffersRelay);
        Assert.Equal([M($"/ip4/198.51.100.1/tcp/4001/p2p/{Relay}/p2p-circuit/p2p/{Self}"), M($"/ip4/192.168.1.10/tcp/4001/p2p/{Self}")], agent.Addresses);
        Assert.True(values.IsOn(new Dictionary<string, string> { ["other"] = "x", [AgentAnnotations.PeerIdKey] = Self, [AgentAnnotations.AddressesKey] = values.Addresses, [AgentAnnotations.RelayKey] = "true" }));
        Assert.False(values.IsOn(new Dictionary<string, string> { [AgentAnnotations.PeerIdKey] = Self, [AgentAnnotations.AddressesKey] = values.Addresses }));
    }

    /// <summary>name, annotations (null value = absent), expected PeerId (null = no binding), expected address count, relay, warning expected (substring, null = none).</summary>
    public static TheoryData<string, string?, string?, string?, string?, string?, int, bool, string?> Decoded()
    {
        var ok = $"[\"/ip4/203.0.113.5/tcp/4001\",\"/ip4/192.168.1.10/tcp/4001/p2p/{Self}\"]";
        var seventeen = JsonSerializer.Serialize(Enumerable.Range(1, 17).Select(i => $"/ip4/203.0.113.{i}/tcp/4001"));
        var huge = JsonSerializer.Serialize(Enumerable.Range(1, 16).Select(i => $"/dns4/{new string('a', 63)}.{new string('b', 63)}.{new string('c', 63)}.{new string('d', 61)}/tcp/{i}"));
        return new()
        {
            // name, peer-id, addrs, relay, extra key, (expect) peer, addresses, relay, warning
            { "everything", Self, ok, "true", null, Self, 2, true, null },
            { "only the peer id", Self, null, null, null, Self, 0, false, null },
            { "relay false", Self, ok, "false", null, Self, 2, false, null },
            { "nothing of ours", null, null, null, null, null, 0, false, null },
            { "foreign key beside", Self, ok, null, "pluginmesh.io/colour", Self, 2, false, "unknown annotation 'pluginmesh.io/colour'" },
            { "foreign key alone", null, null, null, "pluginmesh.io/colour", null, 0, false, "unknown annotation" },
            { "no peer id", null, ok, "true", null, null, 0, false, "annotation pluginmesh.io/peer-id missing" },
            { "peer id garbage", "not-a-peer", ok, null, null, null, 0, false, "annotation pluginmesh.io/peer-id ignored" },
            { "peer id empty", "", ok, null, null, null, 0, false, "annotation pluginmesh.io/peer-id ignored" },
            { "peer id oversized", new string('1', 5000), ok, null, null, null, 0, false, "annotation pluginmesh.io/peer-id ignored" },
            { "addrs not JSON", Self, "/ip4/1.2.3.4/tcp/1", "true", null, Self, 0, true, "not JSON" },
            { "addrs an object", Self, "{\"a\":1}", null, null, Self, 0, false, "not a JSON array" },
            { "addrs numbers", Self, "[1,2]", null, null, Self, 0, false, "an item is a JSON number" },
            { "addrs null item", Self, "[null]", null, null, Self, 0, false, "an item is a JSON null" },
            { "addrs bad multiaddr", Self, "[\"/ip4/203.0.113.5/tcp/4001\",\"/ip4/999.1.1.1/tcp/1\"]", null, null, Self, 0, false, "annotation pluginmesh.io/addrs ignored: multiaddr" },
            { "addrs unknown protocol", Self, "[\"/bogus/1\"]", null, null, Self, 0, false, "unknown protocol" },
            { "addrs another peer", Self, $"[\"/ip4/203.0.113.5/tcp/4001/p2p/{Other}\"]", null, null, Self, 0, false, "names another peer" },
            { "addrs seventeen", Self, seventeen, null, null, Self, 0, false, "17 addresses, more than 16" },
            { "addrs over 4 KiB", Self, huge, null, null, Self, 0, false, "more than 4096" },
            { "addrs deep JSON", Self, new string('[', 200) + new string(']', 200), null, null, Self, 0, false, "not JSON" },
            { "addrs loopback dropped", Self, "[\"/ip4/127.0.0.1/tcp/4001\",\"/ip4/169.254.96.16/tcp/4001\",\"/ip4/203.0.113.5/tcp/4001\"]", null, null, Self, 1, false, "2 loopback, link-local or unspecified" },
            { "addrs only loopback kept", Self, "[\"/ip4/127.0.0.1/tcp/4001\",\"/ip6/::1/tcp/4001\"]", null, null, Self, 2, false, null },
            { "addrs loopback kept, link-local dropped", Self, "[\"/ip4/127.0.0.1/tcp/4001\",\"/ip4/169.254.96.16/tcp/4001\"]", null, null, Self, 1, false, "1 loopback, link-local or unspecified" },
            { "relay garbage", Self, ok, "yes", null, Self, 2, false, "annotation pluginmesh.io/relay ignored" },
            { "peer id as CID", TestPeers.Self.ToCidString(), ok, null, null, Self, 2, false, null },
        };
    }

    [Theory]
    [MemberData(nameof(Decoded))]
    public void Decode_Table(string name, string? peerId, string? addrs, string? relay, string? extraKey,
        string? expectedPeer, int expectedAddresses, bool expectedRelay, string? expectedWarning)
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["flannel.alpha.coreos.com/public-ip"] = "203.0.113.5", // not ours: never looked at
            ["node.alpha.kubernetes.io/ttl"] = "0",
        };
        if (peerId is not null) annotations[AgentAnnotations.PeerIdKey] = peerId;
        if (addrs is not null) annotations[AgentAnnotations.AddressesKey] = addrs;
        if (relay is not null) annotations[AgentAnnotations.RelayKey] = relay;
        if (extraKey is not null) annotations[extraKey] = "blue";
        var warnings = new List<string>();

        var agent = AgentAnnotations.Decode(annotations, warnings);

        Assert.Equal(expectedPeer, agent?.PeerId.ToString());
        Assert.Equal(expectedAddresses, agent?.Addresses.Count ?? 0);
        Assert.Equal(expectedRelay, agent?.OffersRelay ?? false);
        if (expectedWarning is null) Assert.True(warnings.Count == 0, name + ": " + string.Join(" | ", warnings));
        else Assert.True(warnings.Count == 1 && warnings[0].Contains(expectedWarning, StringComparison.Ordinal), name + ": " + string.Join(" | ", warnings));
        Assert.All(agent?.Addresses ?? [], a => Assert.Equal(TestPeers.Self, a.PeerId));
    }

    [Fact]
    public void Decode_Null_IsNoBinding()
    {
        var warnings = new List<string>();
        Assert.Null(AgentAnnotations.Decode(null, warnings));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Decode_WarningCategory_DoesNotNameTheNode()
    {
        // The rate limit groups warnings by their text up to the first quote or colon: one category
        // per kind of problem, whatever node or value it is about.
        var a = new List<string>();
        var b = new List<string>();
        AgentAnnotations.Decode(new Dictionary<string, string> { [AgentAnnotations.PeerIdKey] = "x" }, a);
        AgentAnnotations.Decode(new Dictionary<string, string> { [AgentAnnotations.PeerIdKey] = "yy" }, b);
        Assert.Equal(a[0].Split(['\'', ':'], 2)[0], b[0].Split(['\'', ':'], 2)[0]);
        Assert.NotEqual(a[0], b[0]);
    }
}
