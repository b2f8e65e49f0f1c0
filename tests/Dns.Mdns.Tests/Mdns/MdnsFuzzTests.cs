using PluginMesh.P2p;
using PluginMesh.Plugins.Dns.Mdns.Mdns;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using PluginMesh.Plugins.Dns.Mdns.Wire;
using static PluginMesh.Plugins.Dns.Mdns.Tests.Support.MdnsHelpers;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Mdns;

/// <summary>
/// Seeded fuzzing of the receive path: random packets and mutations of valid ones must never throw,
/// and whatever is accepted must respect the caps.
/// </summary>
public sealed class MdnsFuzzTests
{
    private static readonly byte[] Service = DnsNames.ToWire(MdnsPackets.Service)!;

    private static readonly byte[][] Seeds =
    [
        MdnsPackets.JsResponse("abcdefghijklmnopqrstuvwxyz0123456789", 120, $"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}", $"/ip4/127.0.0.1/tcp/4001/p2p/{PeerA}"),
        MdnsPackets.SpecResponse("abcdefghijklmnopqrstuvwxyz0123456789", 120, $"/ip4/10.0.0.1/tcp/4001/p2p/{PeerA}"),
        MdnsMessageWriter.Response(Service, "zyxwvutsrqponmlkjihgfedcba9876543210", [$"/ip6/fd00::1/tcp/1/p2p/{PeerB}"], 0),
        MdnsPackets.Query(),
        MdnsPackets.HugeTxt(),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Read_RandomAndMutatedPackets_NeverThrowAndRespectCaps(int seed)
    {
        var random = new Random(seed);
        var kinds = new Dictionary<MdnsPacketKind, int>();
        for (var n = 0; n < 20_000; n++)
        {
            var packet = n % 4 == 0 ? RandomPacket(random) : Mutate(Seeds[random.Next(Seeds.Length)], random);
            var read = MdnsMessageReader.Read(packet, Service);
            kinds[read.Kind] = kinds.GetValueOrDefault(read.Kind) + 1;
            if (read.Announcement is { } a)
            {
                Assert.True(a.Addresses.Count <= MdnsLimits.MaxAddresses);
                Assert.True(a.Ttl <= MdnsMessageReader.MaxTtl);
                Assert.All(a.Addresses, x => Assert.EndsWith("/p2p/" + a.PeerId, x.ToString(), StringComparison.Ordinal));
            }
        }
        // The mutations must reach every outcome, or the fuzzing is not exercising the parser.
        Assert.True(kinds.Count == 4, string.Join(", ", kinds));
    }

    [Fact]
    public void Handle_FuzzedPackets_DiscoveryStillWorks()
    {
        var random = new Random(7);
        using var node = new TestDiscovery();
        for (var n = 0; n < 5_000; n++)
        {
            node.Time.Advance(TimeSpan.FromMilliseconds(100)); // stay under the rate limit: the parser is under test
            node.Discovery.Handle(Mutate(Seeds[random.Next(Seeds.Length)], random), System.Net.IPAddress.Parse("10.0.0.9"), null);
        }
        node.Discovery.Handle(MdnsPackets.JsResponse("genuinegenuinegenuinegenuinegenuine", 120, $"/ip4/10.0.0.2/tcp/1/p2p/{PeerB}"), System.Net.IPAddress.Parse("10.0.0.2"), null);
        Assert.Contains(node.Discovery.Peers, p => p.PeerId.ToString() == PeerB);
    }

    private static byte[] RandomPacket(Random random)
    {
        var packet = new byte[random.Next(0, 300)];
        random.NextBytes(packet);
        if (packet.Length > 3 && random.Next(2) == 0) packet[2] = 0x84; // make half of them responses
        return packet;
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var packet = (byte[])seed.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (var i = random.Next(1, 6); i > 0; i--) packet[random.Next(packet.Length)] = (byte)random.Next(256);
                break;
            case 1:
                packet = packet[..random.Next(packet.Length)];
                break;
            case 2:
                var at = random.Next(12, packet.Length);
                packet[at] = 0xC0; // a compression pointer somewhere it does not belong
                if (at + 1 < packet.Length) packet[at + 1] = (byte)random.Next(256);
                break;
            default:
                packet[random.Next(4, 12)] = (byte)random.Next(256); // counts that lie
                break;
        }
        return packet;
    }
}
