using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.P2p.Tests.Addressing;

/// <summary>Random valid multiaddrs and PeerIds survive text and binary round trips unchanged.</summary>
public sealed class RoundTripProperties
{
    private static readonly PeerId[] Peers = [.. Enumerable.Range(0, 4).Select(i => PeerId.FromPublicKey(KeyProtobuf.Encode(KeyType.Ed25519, Enumerable.Repeat((byte)i, 32).ToArray())))];

    public static Arbitrary<Multiaddr> Multiaddrs() => Gen.NonEmptyListOf(Component()).Select(cs => new Multiaddr(cs)).ToArbitrary();

    private static Gen<MultiaddrComponent> Component() => Gen.OneOf(
        Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 4).Select(b => MultiaddrComponent.Of(new IPAddress(b))),
        Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), 16).Where(b => !new IPAddress(b).IsIPv4MappedToIPv6).Select(b => MultiaddrComponent.Of(new IPAddress(b))),
        Gen.Choose(0, 65535).Select(p => MultiaddrComponent.Port(MultiaddrProtocol.Tcp, p)),
        Gen.Choose(0, 65535).Select(p => MultiaddrComponent.Port(MultiaddrProtocol.Udp, p)),
        Gen.Elements(Peers).Select(MultiaddrComponent.Of),
        Gen.Elements("localhost", "example.com", "a-b.c", "xn--bcher-kva.example").Select(n => MultiaddrComponent.FromText(MultiaddrProtocol.Dns4, n)),
        Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()).Where(b => b.Length > 0).Select(b => MultiaddrComponent.FromBytes(MultiaddrProtocol.CertHash, b)),
        Gen.Elements(MultiaddrProtocol.All.Where(p => p.Kind == MultiaddrValueKind.None).ToArray()).Select(MultiaddrComponent.Of));

    [Property(Arbitrary = [typeof(RoundTripProperties)])]
    public bool Binary_RoundTrips(Multiaddr address) => Multiaddr.FromBytes(address.ToBytes()) == address;

    [Property(Arbitrary = [typeof(RoundTripProperties)])]
    public bool Text_RoundTrips(Multiaddr address) => Multiaddr.Parse(address.ToString()) == address && Multiaddr.Parse(address.ToString()).ToString() == address.ToString();

    [Property]
    public bool PeerId_RoundTripsThroughEveryForm(byte[] seed)
    {
        var id = PeerId.FromPublicKey(KeyProtobuf.Encode(KeyType.Ed25519, [.. seed.Take(32), .. new byte[Math.Max(0, 32 - seed.Length)]]));
        return PeerId.Parse(id.ToString()) == id && PeerId.Parse(id.ToCidString()) == id && PeerId.FromMultihash(id.Multihash) == id;
    }
}
