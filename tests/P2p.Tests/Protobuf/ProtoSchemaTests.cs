using PluginMesh.P2p.Protobuf;

namespace PluginMesh.P2p.Tests.Protobuf;

public sealed class ProtoSchemaTests
{
    private sealed class Inner
    {
        public static readonly ProtoSchema<Inner> Fields = new ProtoSchema<Inner>()
            .UInt32(1, m => m.Seconds, (m, v) => m.Seconds = v)
            .UInt64(2, m => m.Bytes, (m, v) => m.Bytes = v);

        public uint? Seconds { get; set; }

        public ulong? Bytes { get; set; }
    }

    private sealed class Outer
    {
        public static readonly ProtoSchema<Outer> Fields = new ProtoSchema<Outer>()
            .Int32(1, m => m.Kind, (m, v) => m.Kind = v)
            .Bytes(2, m => m.Id, (m, v) => m.Id = v)
            .RepeatedBytes(3, m => m.Addrs)
            .Message(4, Inner.Fields, m => m.Inner, m => m.Inner ??= new Inner());

        public int? Kind { get; set; }

        public byte[]? Id { get; set; }

        public List<byte[]> Addrs { get; } = [];

        public Inner? Inner { get; set; }
    }

    [Fact]
    public void Write_SetFieldsOnlyInOrder_ZeroValuesIncluded()
    {
        var bytes = Outer.Fields.ToByteArray(new Outer { Kind = 0, Inner = new Inner { Bytes = 5 } });
        Assert.Equal(new byte[] { 0x08, 0x00, 0x22, 0x02, 0x10, 0x05 }, bytes);
    }

    [Fact]
    public void Write_NegativeInt32_IsSignExtendedToTenBytes()
    {
        var bytes = Outer.Fields.ToByteArray(new Outer { Kind = -1 });
        Assert.Equal(11, bytes.Length);
        var back = new Outer();
        Outer.Fields.Merge(back, bytes);
        Assert.Equal(-1, back.Kind);
    }

    [Fact]
    public void Merge_RoundTripsEveryKind()
    {
        var message = new Outer { Kind = 7, Id = [1, 2], Inner = new Inner { Seconds = 120, Bytes = 1UL << 40 } };
        message.Addrs.Add([3]);
        message.Addrs.Add([4, 5]);
        var back = new Outer();
        Outer.Fields.Merge(back, Outer.Fields.ToByteArray(message));
        Assert.Equal(Outer.Fields.ToByteArray(message), Outer.Fields.ToByteArray(back));
        Assert.Equal(2, back.Addrs.Count);
        Assert.Equal(120u, back.Inner!.Seconds);
    }

    [Fact]
    public void Merge_SkipsUnknownFieldsAndKnownNumbersOfAnotherWireType()
    {
        var w = new ProtoWriter();
        w.WriteBytesField(1, [9, 9]);   // field 1 is a varint: skipped
        w.WriteVarintField(2, 3);       // field 2 is bytes: skipped
        w.WriteStringField(99, "new");  // unknown: skipped
        w.WriteVarintField(1, 4);
        var back = new Outer();
        Outer.Fields.Merge(back, w.WrittenSpan);
        Assert.Equal(4, back.Kind);
        Assert.Null(back.Id);
    }

    [Fact]
    public void Merge_EmbeddedMessageTwice_IsMerged_LaterScalarWins()
    {
        var w = new ProtoWriter();
        w.WriteBytesField(4, Inner.Fields.ToByteArray(new Inner { Seconds = 1, Bytes = 2 }));
        w.WriteBytesField(4, Inner.Fields.ToByteArray(new Inner { Seconds = 3 }));
        var back = new Outer();
        Outer.Fields.Merge(back, w.WrittenSpan);
        Assert.Equal(3u, back.Inner!.Seconds);
        Assert.Equal(2ul, back.Inner.Bytes);
    }

    [Fact]
    public void Merge_UInt32_KeepsTheLow32BitsOfALongerVarint()
    {
        var w = new ProtoWriter();
        w.WriteVarintField(1, (1UL << 32) + 7);
        var back = new Inner();
        Inner.Fields.Merge(back, w.WrittenSpan);
        Assert.Equal(7u, back.Seconds);
    }

    [Fact]
    public void Merge_Truncated_IsFormatException()
    {
        Assert.Throws<FormatException>(() => Outer.Fields.Merge(new Outer(), [0x12, 0x05, 0x01]));
    }
}
