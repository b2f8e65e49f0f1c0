using System.Security.Cryptography;
using PluginMesh.Plugins.Tunnel.Libp2p.Identify;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;
using PluginMesh.Plugins.Tunnel.Libp2p.Noise;
using PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Robustness;

/// <summary>
/// Random, truncated and mutated input to every message decoder of the tunnel: only FormatException
/// may come out. Keys, PeerIds and multiaddrs are the core's (tests/P2p.Tests/Addressing/ParserFuzzTests.cs).
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Rounds = 3000;

    public static TheoryData<string> Decoders => ["noise-payload", "identify", "daemon-request"];

    [Theory]
    [MemberData(nameof(Decoders))]
    public void RandomAndMutatedInput_OnlyFormatException(string decoder)
    {
        ParserFuzz.OnlyFormatException(decoder.GetHashCode(StringComparison.Ordinal) & 0x7fffffff, Rounds, ValidSamples(), input => Decode(decoder, input));
    }

    [Fact]
    public void Identify_OversizedLengthField_IsFormatException()
    {
        // field 1, wire type 2, length 2^31: must not allocate or overflow
        byte[] bad = [0x0a, 0x80, 0x80, 0x80, 0x80, 0x08];
        Assert.Throws<FormatException>(() => IdentifyMessage.Decode(bad));
    }

    [Fact]
    public void DaemonRequest_OversizedSubMessageLength_IsFormatException()
    {
        // type CONNECT, then field 2 announcing 2^31 bytes
        byte[] bad = [0x08, 0x01, 0x12, 0x80, 0x80, 0x80, 0x80, 0x08];
        Assert.Throws<FormatException>(() => DaemonRequest.Parse(bad));
    }

    private static void Decode(string decoder, byte[] input)
    {
        switch (decoder)
        {
            case "noise-payload": NoisePayload.Decode(input); break;
            case "identify": IdentifyMessage.Decode(input); break;
            case "daemon-request": DaemonRequest.Parse(input); break;
        }
    }

    private static byte[][] ValidSamples()
    {
        using var key = PrivateKey.Generate();
        var addr = Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001/p2p/" + key.PeerId);
        return
        [
            new NoisePayload(key.PublicKey.Protobuf.ToArray(), RandomNumberGenerator.GetBytes(64), ["/yamux/1.0.0"]).Encode(),
            new IdentifyMessage
            {
                PublicKey = key.PublicKey.Protobuf.ToArray(),
                ListenAddrs = [addr],
                Protocols = ["/a", "/b"],
                ObservedAddr = addr,
                AgentVersion = "x",
                ProtocolVersion = "ipfs/0.1.0",
            }.Encode(),
            DaemonControl.Connect(key.PeerId, [addr, Multiaddr.Parse("/ip4/127.0.0.1/tcp/1/p2p/" + key.PeerId + "/p2p-circuit")]),
            DaemonControl.StreamOpen(key.PeerId, "/echo/1.0.0", "/x"),
            DaemonControl.StreamHandler(DaemonControl.UnixAddress("/tmp/cb.sock"), "/echo/1.0.0"),
            DaemonControl.StreamHandler(Multiaddr.Parse("/ip6/::1/tcp/5").ToBytes(), "/echo/1.0.0"),
            DaemonControl.Disconnect(key.PeerId),
        ];
    }
}
