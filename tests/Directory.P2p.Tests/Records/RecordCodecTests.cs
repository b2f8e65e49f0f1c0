using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Records;

public sealed class RecordCodecTests
{
    private static readonly PrivateKey Key = PrivateKey.Generate();
    private static readonly PrivateKey Other = PrivateKey.Generate();

    [Fact]
    public void EncodeDecode_RoundTrip_KeepsEveryFieldAndVerifies()
    {
        var signed = TestRecords.Signed(Key, "edge-1", 42);
        var decoded = RecordCodec.Decode(RecordCodec.Encode(signed));
        var (a, b) = (signed.Record, decoded.Record);
        Assert.Equal(a.NodeName, b.NodeName);
        Assert.Equal(a.PeerId, b.PeerId);
        Assert.Equal(a.DirectAddresses, b.DirectAddresses);
        Assert.Equal(a.RelayAddresses, b.RelayAddresses);
        Assert.Equal(a.Capabilities, b.Capabilities);
        Assert.Equal(a.Sequence, b.Sequence);
        Assert.Equal(a.Expires, b.Expires);
        Assert.Equal(a.Labels.OrderBy(l => l.Key), b.Labels.OrderBy(l => l.Key));
        Assert.Equal(signed.PublicKey, decoded.PublicKey);
        Assert.Null(RecordVerifier.Verify(decoded));
    }

    [Fact]
    public void EncodeBody_LabelOrder_DoesNotChangeBytes()
    {
        var r = TestRecords.Record(Key, "n", 1);
        var reversed = r with { Labels = r.Labels.Reverse().ToDictionary(l => l.Key, l => l.Value) };
        Assert.Equal(RecordCodec.EncodeBody(r, Key.PublicKey.Protobuf), RecordCodec.EncodeBody(reversed, Key.PublicKey.Protobuf));
    }

    [Fact]
    public void Verify_AnyBodyByteFlipped_IsRejected()
    {
        var signed = TestRecords.Signed(Key, "edge-1", 42);
        for (var i = 0; i < signed.Body.Length; i++)
        {
            var body = (byte[])signed.Body.Clone();
            body[i] ^= 0x01;
            var wire = RecordCodec.Encode(signed with { Body = body });
            SignedNodeRecord tampered;
            try
            {
                tampered = RecordCodec.Decode(wire);
            }
            catch (FormatException)
            {
                continue; // a flip that breaks the layout is caught by the decoder
            }
            Assert.NotNull(RecordVerifier.Verify(tampered));
        }
    }

    public static TheoryData<string> Fields => ["node", "peer", "direct", "relay", "capabilities", "labels", "sequence", "expires"];

    [Theory]
    [MemberData(nameof(Fields))]
    public void Verify_FieldChangedAfterSigning_IsBadSignatureOrMismatch(string field)
    {
        var signed = TestRecords.Signed(Key, "edge-1", 42);
        var r = signed.Record;
        var changed = field switch
        {
            "node" => r with { NodeName = "edge-2" },
            "peer" => r with { PeerId = Other.PeerId },
            "direct" => r with { DirectAddresses = [PluginMesh.P2p.Multiaddr.Parse("/ip4/6.6.6.6/tcp/1")] },
            "relay" => r with { RelayAddresses = [] },
            "capabilities" => r with { Capabilities = ["relay"] },
            "labels" => r with { Labels = new Dictionary<string, string> { ["zone"] = "evil" } },
            "sequence" => r with { Sequence = 43 },
            _ => r with { Expires = r.Expires.AddDays(30) },
        };
        // Re-encode the changed fields but keep the original signature, as a forger would.
        var forged = RecordCodec.Decode(RecordCodec.Encode(signed with { Body = RecordCodec.EncodeBody(changed, signed.PublicKey) }));
        var reason = RecordVerifier.Verify(forged);
        Assert.Equal(field == "peer" ? RejectReason.PeerIdMismatch : RejectReason.BadSignature, reason);
    }

    [Fact]
    public void Verify_SignedByAnotherKey_IsBadSignature()
    {
        var r = TestRecords.Record(Key, "edge-1", 1);
        var forged = RecordCodec.Sign(r, Key.PublicKey.Protobuf, d => Other.Sign(d));
        Assert.Equal(RejectReason.BadSignature, RecordVerifier.Verify(RecordCodec.Decode(RecordCodec.Encode(forged))));
    }

    [Fact]
    public void Verify_KeyOfAnotherPeer_IsPeerIdMismatch()
    {
        // Correctly signed by Other, but claiming Key's PeerId.
        var r = TestRecords.Record(Key, "edge-1", 1);
        var forged = RecordCodec.Sign(r, Other.PublicKey.Protobuf, d => Other.Sign(d));
        Assert.Equal(RejectReason.PeerIdMismatch, RecordVerifier.Verify(forged));
    }

    [Fact]
    public void Verify_NonEd25519Key_IsBadKey()
    {
        var r = TestRecords.Record(Key, "edge-1", 1);
        var secp = new byte[] { 0x08, 0x02, 0x12, 0x21 }.Concat(new byte[33]).ToArray();
        var forged = RecordCodec.Sign(r, secp, d => Key.Sign(d));
        Assert.Equal(RejectReason.BadKey, RecordVerifier.Verify(forged));
    }

    [Fact]
    public void Verify_WrongDomain_IsBadSignature()
    {
        // A signature over the bare body (no domain string) must not verify: no cross-protocol replay.
        var r = TestRecords.Record(Key, "edge-1", 1);
        var body = RecordCodec.EncodeBody(r, Key.PublicKey.Protobuf);
        var signed = new SignedNodeRecord(r, Key.PublicKey.Protobuf.ToArray(), body, Key.Sign(body));
        Assert.Equal(RejectReason.BadSignature, RecordVerifier.Verify(signed));
    }

    [Fact]
    public void PeerIdOf_AliceVector_MatchesJsLibp2p()
    {
        // The record's PeerId check uses the core's PeerId of the carried key.
        var alice = Convert.FromHexString("08011220d5bf4a3fcce717b0388bcc2749ebc148ad9969b23f45ee1b605fd58778576ac4");
        Assert.Equal("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm", PluginMesh.P2p.PeerId.FromPublicKey(alice).ToString());
        Assert.Equal(32, PluginMesh.P2p.Crypto.PublicKey.FromProtobuf(alice).Raw.Length);
        Assert.Equal(Key.PeerId, PluginMesh.P2p.PeerId.FromPublicKey(Key.PublicKey));
    }

    [Fact]
    public void Decode_EveryTruncation_IsFormatException()
    {
        var wire = RecordCodec.Encode(TestRecords.Signed(Key, "edge-1", 7));
        for (var n = 0; n < wire.Length; n++) Assert.Throws<FormatException>(() => RecordCodec.Decode(wire.AsSpan(0, n)));
    }

    [Fact]
    public void Decode_RandomAndOversizedInput_IsFormatExceptionOnly()
    {
        var random = new Random(1234);
        var valid = RecordCodec.Encode(TestRecords.Signed(Key, "edge-1", 7));
        for (var i = 0; i < 5000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
            }
            else
            {
                // Mutations of a valid record reach deeper into the decoder than pure noise.
                input = (byte[])valid.Clone();
                for (var k = random.Next(1, 6); k > 0; k--) input[random.Next(input.Length)] = (byte)random.Next(256);
            }
            try
            {
                var decoded = RecordCodec.Decode(input);
                RecordVerifier.Verify(decoded);
            }
            catch (FormatException)
            {
                // the only acceptable failure
            }
        }
        Assert.Throws<FormatException>(() => RecordCodec.Decode(new byte[RecordCodec.MaxRecordBytes + 1]));
        var huge = new PluginMesh.P2p.Protobuf.ProtoWriter();
        huge.WriteRawVarint(uint.MaxValue);
        Assert.Throws<FormatException>(() => RecordCodec.Decode(huge.ToArray()));
    }
}
