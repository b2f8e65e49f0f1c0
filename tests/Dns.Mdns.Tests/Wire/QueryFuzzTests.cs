using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Makaretu.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using PluginMesh.Plugins.Dns.Mdns.Forwarding;
using PluginMesh.Plugins.Dns.Mdns.Server;
using PluginMesh.Plugins.Dns.Mdns.Tests.Support;
using PluginMesh.Plugins.Dns.Mdns.Zone;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Wire;

/// <summary>
/// Seeded fuzzing of the query path: random packets and mutations of valid queries. Property: no
/// exception escapes, and every response is a well-formed DNS message with the query's ID.
/// </summary>
public sealed class QueryFuzzTests : IDisposable
{
    private const int Iterations = 20000;
    private readonly Meter _meter = new("PluginMesh.dns.mdns.fuzz");
    private readonly DnsQueryHandler _handler;

    public QueryFuzzTests()
    {
        var options = DnsOptions.Read(new DictionaryConfiguration(new Dictionary<string, string?>()), isRoot: false, (_, _) => { });
        var metrics = new DnsMetrics(_meter);
        _handler = new DnsQueryHandler(ZoneBuilder.Build(SampleCatalog.Build(), "cluster.local", 5),
            new UpstreamForwarder(options, metrics, TimeProvider.System, NullLogger.Instance), ForwardAdmission.For(options, metrics, TimeProvider.System), metrics, TimeProvider.System);
    }

    public void Dispose() => _meter.Dispose();

    private static readonly byte[][] Seeds =
    [
        .. new[] { "web.default.svc.cluster.local", "db.shop.svc.cluster.local", "_pg._tcp.db.shop.svc.cluster.local", "big.shop.svc.cluster.local", "nope.cluster.local", "10.0.96.10.in-addr.arpa" }
            .SelectMany(n => new[] { DnsClient.Query(n, DnsType.A).ToByteArray(), DnsClient.Query(n, DnsType.SRV, 4096).ToByteArray(), DnsClient.Query(n, DnsType.PTR, 512).ToByteArray() }),
    ];

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    public void Handle_RandomAndMutatedPackets_NeverThrowAndAlwaysAnswerWellFormed(int seed, bool udp)
    {
        var random = new Random(seed);
        var response = new byte[DnsQueryHandler.ResponseBufferSize];
        var answered = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var packet = i % 4 == 0 ? RandomPacket(random) : Mutate(Seeds[random.Next(Seeds.Length)], random);
            var result = _handler.Handle(packet, response, udp, 0, null, out var length, out _);
            if (length == 0)
            {
                Assert.True(result is QueryResult.Dropped or QueryResult.Upstream, $"iteration {i}: {result} with no response");
                continue;
            }
            answered++;
            var id = BinaryPrimitives.ReadUInt16BigEndian(packet);
            try
            {
                WireCheck.AssertWellFormedResponse(response.AsSpan(0, length), id);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed} iteration {i}: packet {Convert.ToHexString(packet)} → {ex.Message}");
            }
            if (udp) Assert.True(length <= 1232, $"iteration {i}: {length} bytes over UDP");
        }
        Assert.True(answered > Iterations / 4, $"only {answered} packets were answered; the fuzzer is not reaching the answer path");
    }

    private static byte[] RandomPacket(Random random)
    {
        var packet = new byte[random.Next(0, 600)];
        random.NextBytes(packet);
        if (packet.Length > 5 && random.Next(2) == 0)
        {
            // Look like a query often enough to get past the header checks.
            packet[2] &= 0x07;
            packet[4] = 0;
            packet[5] = 1;
        }
        return packet;
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var packet = seed.ToList();
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits && packet.Count > 0; e++)
        {
            var at = random.Next(packet.Count);
            switch (random.Next(7))
            {
                case 0: packet[at] = (byte)random.Next(256); break;
                case 1: packet[at] ^= (byte)(1 << random.Next(8)); break;
                case 2: packet.RemoveRange(at, packet.Count - at); break;
                case 3: packet.Insert(at, (byte)random.Next(256)); break;
                case 4: packet[at] = 0xC0; if (at + 1 < packet.Count) packet[at + 1] = (byte)random.Next(packet.Count + 4); break;
                case 5: packet[at] = (byte)random.Next(60, 70); break; // label lengths around the 63 limit
                default:
                    if (packet.Count > 11) { packet[random.Next(4, 12)] = (byte)random.Next(4); }
                    break;
            }
        }
        if (packet.Count > 2) packet[2] &= 0x7F; // keep it a query most of the time
        return [.. packet];
    }
}
