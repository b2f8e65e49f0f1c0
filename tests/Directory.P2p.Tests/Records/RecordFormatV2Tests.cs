using PluginMesh.Abstractions.Directory;
using PluginMesh.Abstractions.Tunnel;
using PluginMesh.Plugins.Directory.P2p.Records;
using PluginMesh.Plugins.Directory.P2p.Tests.Support;
using PluginMesh.P2p.Crypto;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Records;

/// <summary>Version 2 of the record body: agent facts and offers after the version-1 fields.</summary>
public sealed class RecordFormatV2Tests
{
    private static readonly PrivateKey Key = PrivateKey.Generate();

    [Fact]
    public void EncodeDecode_OffersAndFacts_RoundTripAsVersion2AndVerify()
    {
        var signed = TestRecords.SignedV2(Key, "relay-1", 9, load: 0.25);
        Assert.Equal(RecordCodec.Version2, signed.Body[0]);
        var decoded = RecordCodec.Decode(RecordCodec.Encode(signed));
        Assert.Null(RecordVerifier.Verify(decoded));
        var offers = decoded.Record.Offers;
        Assert.Equal(["relay"], offers.Keys);
        Assert.Equal(0.25, offers["relay"]["load"]);
        Assert.Equal(3, offers["relay"]["reservations"]);
        Assert.Equal("public", decoded.Record.Labels[AgentFacts.ReachabilityLabel]);
        Assert.Equal("4", decoded.Record.Labels[AgentFacts.CoresLabel]);
        Assert.Equal("2048", decoded.Record.Labels[AgentFacts.MemoryLabel]);
        Assert.Equal("3600", decoded.Record.Labels[AgentFacts.UptimeLabel]);
        Assert.Equal("shop-1", decoded.Record.Labels["zone"]);
        // What was decoded encodes to the very bytes that were signed: one record, one encoding.
        Assert.Equal(signed.Body, RecordCodec.EncodeBody(decoded.Record, decoded.PublicKey));
    }

    [Fact]
    public void EncodeBody_NoOffersNoFacts_StaysVersion1()
    {
        var body = RecordCodec.EncodeBody(TestRecords.Record(Key, "n", 1), Key.PublicKey.Protobuf);
        Assert.Equal(RecordCodec.Version1, body[0]);
    }

    [Fact]
    public void EncodeBody_OfferAndFactOrder_DoesNotChangeBytes()
    {
        var r = TestRecords.RecordV2(Key, "n", 1, load: 0.5);
        var shuffled = r with
        {
            Offers = r.Offers.Reverse().ToDictionary(o => o.Key, o => (IReadOnlyDictionary<string, double>)o.Value.Reverse().ToDictionary(f => f.Key, f => f.Value)),
            Labels = r.Labels.Reverse().ToDictionary(l => l.Key, l => l.Value),
        };
        Assert.Equal(RecordCodec.EncodeBody(r, Key.PublicKey.Protobuf), RecordCodec.EncodeBody(shuffled, Key.PublicKey.Protobuf));
    }

    public static TheoryData<string> V2Fields => ["load", "offer-removed", "reachability", "cores", "memory", "uptime"];

    [Theory]
    [MemberData(nameof(V2Fields))]
    public void Verify_V2FieldChangedAfterSigning_IsBadSignature(string field)
    {
        var signed = TestRecords.SignedV2(Key, "relay-1", 9, load: 0.25);
        var r = signed.Record;
        NodeRecord changed = field switch
        {
            "load" => r with { Offers = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["relay"] = new Dictionary<string, double> { ["load"] = 0, ["reservations"] = 3 } } },
            "offer-removed" => r with { Offers = new Dictionary<string, IReadOnlyDictionary<string, double>>() },
            _ => r with { Labels = WithLabel(r.Labels, field switch { "reachability" => (AgentFacts.ReachabilityLabel, "private"), "cores" => (AgentFacts.CoresLabel, "64"), "memory" => (AgentFacts.MemoryLabel, "1"), _ => (AgentFacts.UptimeLabel, "999999") }) },
        };
        var forged = RecordCodec.Decode(RecordCodec.Encode(signed with { Body = RecordCodec.EncodeBody(changed, signed.PublicKey) }));
        Assert.Equal(RejectReason.BadSignature, RecordVerifier.Verify(forged));
    }

    public static TheoryData<string, string> BadLabelSets => new()
    {
        { "partial facts", AgentFacts.CoresLabel + "=4" },
        { "bad reachability", "facts;" + AgentFacts.ReachabilityLabel + "=maybe" },
        { "non-canonical number", "facts;" + AgentFacts.CoresLabel + "=04" },
        { "negative number", "facts;" + AgentFacts.MemoryLabel + "=-1" },
    };

    [Theory]
    [MemberData(nameof(BadLabelSets))]
    public void EncodeBody_BadFactLabels_IsArgumentException(string scenario, string spec)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in spec.Split(';'))
        {
            if (part == "facts") foreach (var l in Facts().ToLabels()) labels[l.Key] = l.Value;
            else labels[part.Split('=')[0]] = part.Split('=')[1];
        }
        var r = TestRecords.Record(Key, "n", 1) with { Labels = labels };
        Assert.True(Throws(() => RecordCodec.EncodeBody(r, Key.PublicKey.Protobuf)), scenario);
    }

    [Fact]
    public void EncodeBody_NonFiniteOfferFact_IsArgumentException()
    {
        var r = TestRecords.Record(Key, "n", 1) with { Offers = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["relay"] = new Dictionary<string, double> { ["load"] = double.NaN } } };
        Assert.Throws<ArgumentException>(() => RecordCodec.EncodeBody(r, Key.PublicKey.Protobuf));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "version 2 without content", "empty-extension" },
        { "reserved label on the wire", "reserved-label" },
        { "unsorted offers", "unsorted-offers" },
        { "NaN fact", "nan" },
        { "negative zero fact", "negative-zero" },
        { "reachability out of range", "reachability" },
        { "unknown version", "version-3" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void Decode_NonCanonicalOrInvalidVersion2_IsFormatException(string scenario, string kind)
    {
        var body = Body(kind);
        var w = new ProtoWriter();
        w.WriteRawBytes(body);
        w.WriteRawBytes(new byte[64]);
        var e = Assert.Throws<FormatException>(() => RecordCodec.Decode(w.ToArray()));
        Assert.False(string.IsNullOrEmpty(e.Message), scenario);
    }

    [Fact]
    public void Decode_EveryTruncationOfVersion2_IsFormatException()
    {
        var wire = RecordCodec.Encode(TestRecords.SignedV2(Key, "relay-1", 9, load: 0.25));
        for (var n = 0; n < wire.Length; n++) Assert.Throws<FormatException>(() => RecordCodec.Decode(wire.AsSpan(0, n)));
    }

    [Fact]
    public void Decode_MutatedVersion2_IsFormatExceptionOrFailsVerification()
    {
        var random = new Random(4321);
        var valid = RecordCodec.Encode(TestRecords.SignedV2(Key, "relay-1", 9, load: 0.25));
        for (var i = 0; i < 5000; i++)
        {
            var input = (byte[])valid.Clone();
            for (var k = random.Next(1, 4); k > 0; k--) input[random.Next(input.Length)] = (byte)random.Next(256);
            try
            {
                var decoded = RecordCodec.Decode(input);
                if (!input.AsSpan().SequenceEqual(valid)) Assert.NotNull(RecordVerifier.Verify(decoded));
            }
            catch (FormatException)
            {
                // the only acceptable failure
            }
        }
    }

    private static AgentFacts Facts() => new(Reachability.Public, 4, 2048, 3600);

    private static bool Throws(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static Dictionary<string, string> WithLabel(IReadOnlyDictionary<string, string> labels, (string Key, string Value) label)
    {
        var copy = labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        copy[label.Key] = label.Value;
        return copy;
    }

    /// <summary>A body written field by field (the encoder refuses to write these).</summary>
    private static byte[] Body(string kind)
    {
        var w = new ProtoWriter();
        w.WriteRawByte(kind == "version-3" ? (byte)3 : RecordCodec.Version2);
        w.WriteRawString("n");
        w.WriteRawString(Key.PeerId.ToString());
        w.WriteRawVarint(0);
        w.WriteRawVarint(0);
        w.WriteRawVarint(0);
        if (kind == "reserved-label")
        {
            w.WriteRawVarint(1);
            w.WriteRawString(AgentFacts.CoresLabel);
            w.WriteRawString("4");
        }
        else w.WriteRawVarint(0);
        w.WriteRawUInt64BigEndian(1);
        w.WriteRawUInt64BigEndian((ulong)TestRecords.Now.AddHours(1).ToUnixTimeMilliseconds());
        w.WriteRawBytes(Key.PublicKey.Protobuf);
        if (kind == "reachability")
        {
            w.WriteRawByte(1);
            w.WriteRawByte(7);
            w.WriteRawVarint(1);
            w.WriteRawVarint(1);
            w.WriteRawVarint(1);
            w.WriteRawVarint(0);
            return w.ToArray();
        }
        w.WriteRawByte(kind == "reserved-label" ? (byte)1 : (byte)0);
        if (kind == "reserved-label")
        {
            w.WriteRawByte(0);
            w.WriteRawVarint(1);
            w.WriteRawVarint(1);
            w.WriteRawVarint(1);
        }
        switch (kind)
        {
            case "empty-extension" or "reserved-label" or "version-3":
                w.WriteRawVarint(0);
                break;
            case "unsorted-offers":
                w.WriteRawVarint(2);
                foreach (var service in new[] { "relay", "dns" })
                {
                    w.WriteRawString(service);
                    w.WriteRawVarint(0);
                }
                break;
            default:
                w.WriteRawVarint(1);
                w.WriteRawString("relay");
                w.WriteRawVarint(1);
                w.WriteRawString("load");
                w.WriteRawUInt64BigEndian(kind == "nan" ? (ulong)BitConverter.DoubleToInt64Bits(double.NaN) : 0x8000_0000_0000_0000UL);
                break;
        }
        return w.ToArray();
    }
}
