using System.Text;
using PluginMesh.P2p.Crypto;
using PluginMesh.P2p.Encoding;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.P2p.Tests.Addressing;

/// <summary>Random, truncated and mutated input to every parser of the core: only FormatException may come out.</summary>
public sealed class ParserFuzzTests
{
    private const int Rounds = 4000;

    public static TheoryData<string> Parsers => ["key", "public-key", "private-key", "peerid-bytes", "peerid-text", "multiaddr-bytes", "multiaddr-text", "base58", "base32", "multibase", "protobuf", "raw"];

    [Theory]
    [MemberData(nameof(Parsers))]
    public void RandomAndMutatedInput_OnlyFormatException(string parser)
    {
        ParserFuzz.OnlyFormatException(parser.Length * 7919 + parser[0], Rounds, ValidSamples(), input => Parse(parser, input));
    }

    private static void Parse(string parser, byte[] input)
    {
        var text = System.Text.Encoding.Latin1.GetString(input);
        switch (parser)
        {
            case "key": KeyProtobuf.Decode(input); break;
            case "public-key": PublicKey.FromProtobuf(input); break;
            case "private-key": PrivateKey.FromProtobuf(input).Dispose(); break;
            case "peerid-bytes": PeerId.FromMultihash(input); break;
            case "peerid-text": PeerId.Parse(text); break;
            case "multiaddr-bytes": Multiaddr.FromBytes(input); break;
            case "multiaddr-text": Multiaddr.Parse(text.Replace('\0', '/')); break;
            case "base58": Base58.Decode(text); break;
            case "base32": Base32.Decode(text); break;
            case "multibase": Multibase.Decode(text); break;
            case "protobuf":
                var r = new ProtoReader(input);
                while (r.Next())
                {
                    if (r.WireType == 2) r.ReadString();
                    else r.Skip();
                }
                break;
            case "raw":
                var raw = new ProtoReader(input);
                raw.ReadRawString("a", 64);
                raw.ReadRawUInt64BigEndian("b");
                raw.ReadRawCount("c", 10);
                break;
        }
    }

    private static byte[][] ValidSamples()
    {
        using var key = PrivateKey.Generate();
        var addr = Multiaddr.Parse($"/ip4/127.0.0.1/tcp/4001/p2p/{key.PeerId}/p2p-circuit/p2p/{key.PeerId}");
        return
        [
            key.PublicKey.Protobuf.ToArray(),
            key.ExportProtobuf(),
            key.PeerId.Multihash.ToArray(),
            System.Text.Encoding.ASCII.GetBytes(key.PeerId.ToString()),
            System.Text.Encoding.ASCII.GetBytes(key.PeerId.ToCidString()),
            addr.ToBytes(),
            System.Text.Encoding.ASCII.GetBytes(addr.ToString()),
            System.Text.Encoding.ASCII.GetBytes("/ip4/1.2.3.4/udp/1/quic-v1/webtransport/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvYdFR_YV2l-LNwRmzzI9iQ"),
        ];
    }
}
