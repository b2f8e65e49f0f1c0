using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PluginMesh.P2p;
using PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Mapping;

/// <summary>
/// The codec over random inputs: encoding whatever the local peer announces, and decoding whatever
/// anyone wrote on a Node, never throws and never exceeds the bounds; what is encoded decodes back.
/// </summary>
public sealed class AgentAnnotationsProperties
{
    private static readonly PeerId[] Peers = [TestPeers.Self, TestPeers.Relay, TestPeers.Other];

    /// <summary>Random annotations of a Node: our keys and others, with values that are sometimes right, often not.</summary>
    public sealed record NodeAnnotations(Dictionary<string, string> Values)
    {
        public override string ToString() => JsonSerializer.Serialize(Values);
    }

    public static Arbitrary<Multiaddr> Multiaddrs() => Gen.OneOf(Announced(), Gen.Choose(1, 7).SelectMany(n => Gen.ArrayOf(Component(), n)).Select(cs => new Multiaddr(cs))).ToArbitrary();

    // The shape ILocalPeer announces: an IP or DNS name, a port, maybe a relay circuit, maybe our id.
    private static Gen<Multiaddr> Announced() =>
        from start in Gen.OneOf(Component().Where(c => c.IPAddress is not null), Gen.Choose(1, 253).Select(n => MultiaddrComponent.FromText(MultiaddrProtocol.Dns4, new string('b', n))))
        from port in Gen.Choose(0, 65535)
        from circuit in ArbMap.Default.GeneratorFor<bool>()
        from self in ArbMap.Default.GeneratorFor<bool>()
        select new Multiaddr(new[] { start, MultiaddrComponent.Port(MultiaddrProtocol.Tcp, port) }
            .Concat(circuit ? [MultiaddrComponent.Of(TestPeers.Relay), MultiaddrComponent.Of(MultiaddrProtocol.P2pCircuit)] : [])
            .Concat(self ? [MultiaddrComponent.Of(TestPeers.Self)] : []));

    public static Arbitrary<NodeAnnotations> Annotations() => Gen.OneOf(Shaped(), Scattered()).ToArbitrary();

    // What an agent (or an older or broken one) would write: a PeerId, an address list, a relay flag.
    private static Gen<NodeAnnotations> Shaped() =>
        from peer in Gen.OneOf(Gen.Elements(Peers.Select(p => p.ToString()).ToArray()), Value())
        from addresses in Gen.OneOf(
            Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(Multiaddrs().Generator, n))
                .Select(items => JsonSerializer.Serialize(items.Select(m => m.ToString()))),
            Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Announced(), n))
                .Select(items => AgentAnnotations.Encode(TestPeers.Self, items, false).Addresses),
            Value())
        from relay in Gen.Elements<string?>("true", "false", "yes", null)
        from extra in Gen.ListOf(Gen.Zip(Key(), Value()))
        select Build(extra.Concat(new[] { (AgentAnnotations.PeerIdKey, peer), (AgentAnnotations.AddressesKey, addresses) })
            .Concat(relay is null ? [] : new[] { (AgentAnnotations.RelayKey, relay) }));

    private static Gen<NodeAnnotations> Scattered() => Gen.ListOf(Gen.Zip(Key(), Value())).Select(Build);

    private static NodeAnnotations Build(IEnumerable<(string Key, string Value)> pairs)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pairs) d[k] = v;
        return new NodeAnnotations(d);
    }

    private static Gen<MultiaddrComponent> Component() => Gen.OneOf(
        Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 4).Select(b => MultiaddrComponent.Of(new IPAddress(b))),
        Gen.Elements("127.0.0.1", "169.254.96.16", "0.0.0.0", "10.0.0.7", "192.168.1.10", "203.0.113.5", "100.64.0.1", "::", "::1", "fe80::1", "fd00::1", "2001:db8::1", "::ffff:127.0.0.1")
            .Select(ip => MultiaddrComponent.Of(IPAddress.Parse(ip))),
        Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 16).Where(b => !new IPAddress(b).IsIPv4MappedToIPv6).Select(b => MultiaddrComponent.Of(new IPAddress(b))),
        Gen.Choose(0, 65535).Select(p => MultiaddrComponent.Port(MultiaddrProtocol.Tcp, p)),
        Gen.Choose(0, 65535).Select(p => MultiaddrComponent.Port(MultiaddrProtocol.Udp, p)),
        Gen.Elements(Peers).Select(MultiaddrComponent.Of),
        Gen.Constant(MultiaddrComponent.Of(MultiaddrProtocol.P2pCircuit)),
        Gen.Constant(MultiaddrComponent.Of(MultiaddrProtocol.QuicV1)),
        Gen.Choose(1, 253).Select(n => MultiaddrComponent.FromText(MultiaddrProtocol.Dns4, new string('a', n))),
        Gen.Elements("example.com", "bücher.example", "edge-1.local").Select(n => MultiaddrComponent.FromText(MultiaddrProtocol.Dns, n)));

    private static Gen<string> Key() => Gen.OneOf(
        Gen.Elements(AgentAnnotations.PeerIdKey, AgentAnnotations.AddressesKey, AgentAnnotations.RelayKey),
        Gen.Elements("pluginmesh.io/colour", "pluginmesh.io/", "flannel.alpha.coreos.com/public-ip", "", "pluginmesh.io/peer-id "),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null));

    private static Gen<string> Value() => Gen.OneOf(
        Gen.Elements(Peers.Select(p => p.ToString()).Concat(["true", "false", "", "[]", "null", "{}", "[[[[", "\"\""]).ToArray()),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null),
        Gen.ListOf(Gen.OneOf(Multiaddrs().Generator.Select(m => m.ToString()), ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)))
            .Select(items => JsonSerializer.Serialize(items)),
        Gen.ListOf(Multiaddrs().Generator).Select(items => JsonSerializer.Serialize(items.Select(m => m.ToString()))),
        Gen.Choose(0, 10000).Select(n => new string('1', n)));

    /// <summary>Every address dialable by another node, or (an agent with nothing else) every one loopback.</summary>
    private static bool Reachable(IReadOnlyList<Multiaddr> addresses) =>
        addresses.All(a => AgentAnnotations.IsDialable(a)) || addresses.All(a => a.IsLoopback);

    [Property(Arbitrary = [typeof(AgentAnnotationsProperties)], MaxTest = 500)]
    public bool Encode_NeverThrows_StaysInBounds_AndDecodesBack(Multiaddr[] announced, bool relay)
    {
        var values = AgentAnnotations.Encode(TestPeers.Self, announced, relay);
        var published = JsonSerializer.Deserialize<string[]>(values.Addresses)!;
        var warnings = new List<string>();
        var back = AgentAnnotations.Decode(values.ToDictionary().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!), warnings);
        return published.Length <= AgentAnnotations.MaxAddresses
            && Encoding.UTF8.GetByteCount(values.Addresses) <= AgentAnnotations.MaxAddressesBytes
            && published.Length == values.AddressCount
            && warnings.Count == 0
            && back is not null && back.PeerId == TestPeers.Self && back.OffersRelay == relay
            && back.Addresses.Select(a => a.WithoutPeerId().ToString()).SequenceEqual(published)
            && Reachable(back.Addresses);
    }

    [Property(Arbitrary = [typeof(AgentAnnotationsProperties)], MaxTest = 1000)]
    public bool Decode_NeverThrows_AndWhatItKeepsIsBoundedAndDialable(NodeAnnotations annotations)
    {
        var warnings = new List<string>();
        var agent = AgentAnnotations.Decode(annotations.Values, warnings);
        return agent is null
            || (agent.Addresses.Count <= AgentAnnotations.MaxAddresses
                && agent.Addresses.All(a => a.PeerId == agent.PeerId) && Reachable(agent.Addresses)
                && agent.Addresses.Distinct().Count() == agent.Addresses.Count);
    }
}
