using FsCheck.Xunit;
using PluginMesh.P2p.Protobuf;

namespace PluginMesh.P2p.Tests.Protobuf;

public sealed class ProtoTests
{
    [Property]
    public bool Fields_RoundTrip(ulong number, byte[] bytes, string? text)
    {
        text ??= "";
        if (text.Any(char.IsSurrogate)) return true; // lone surrogates are not UTF-8
        var w = new ProtoWriter();
        w.WriteVarintField(1, number);
        w.WriteBytesField(2, bytes);
        w.WriteStringField(3, text);
        w.WriteVarintField(99, 7); // an unknown field is skipped
        var r = new ProtoReader(w.ToArray());
        ulong n = 0;
        byte[]? b = null;
        string? t = null;
        while (r.Next())
        {
            switch (r.FieldNumber)
            {
                case 1: n = r.ReadVarint(); break;
                case 2: b = r.ReadBytes().ToArray(); break;
                case 3: t = r.ReadString(); break;
                default: r.Skip(); break;
            }
        }
        return n == number && b!.AsSpan().SequenceEqual(bytes) && t == text && r.AtEnd;
    }

    [Property]
    public bool RawPrimitives_RoundTrip(byte one, ulong varint, byte[] bytes, ulong fixed64)
    {
        var w = new ProtoWriter();
        w.WriteRawByte(one);
        w.WriteRawVarint(varint);
        w.WriteRawBytes(bytes);
        w.WriteRawUInt64BigEndian(fixed64);
        var r = new ProtoReader(w.ToArray());
        return r.ReadRawByte("a") == one && r.ReadRawVarint("b") == varint && r.ReadRawBytes("c", int.MaxValue).SequenceEqual(bytes)
            && r.ReadRawUInt64BigEndian("d") == fixed64 && r.AtEnd;
    }

    [Fact]
    public void ZeroValues_AreWritten()
    {
        var w = new ProtoWriter();
        w.WriteVarintField(1, 0);
        Assert.Equal(new byte[] { 0x08, 0x00 }, w.ToArray());
    }

    [Theory]
    [InlineData("0a05", "length 5 runs past the end")]
    [InlineData("08", "truncated varint field")]
    [InlineData("00", "invalid field number 0")]
    [InlineData("0b", "unsupported wire type 3")]
    [InlineData("0d0102", "field 1 is truncated")]
    [InlineData("0a02c328", "not valid UTF-8")]
    public void Malformed_FormatExceptionNamingTheProblem(string hex, string fragment)
    {
        var e = Assert.Throws<FormatException>(() =>
        {
            var r = new ProtoReader(Convert.FromHexString(hex));
            while (r.Next())
            {
                if (r.WireType == 2) r.ReadString();
                else r.Skip();
            }
        });
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongWireType_IsNamed()
    {
        var e = Assert.Throws<FormatException>(() =>
        {
            var r = new ProtoReader([0x08, 0x01]);
            r.Next();
            r.ReadBytes();
        });
        Assert.Equal("protobuf: field 1 has wire type 0, expected 2", e.Message);
    }

    [Theory]
    [InlineData("8000", "x length: non-minimal varint")]
    [InlineData("05", "x length: 5 exceeds the limit of 4")]
    [InlineData("0301", "x: truncated (3 bytes announced, 1 left)")]
    [InlineData("", "x length: truncated")]
    public void RawReads_AreStrictAndNameTheField(string hex, string message)
    {
        var e = Assert.Throws<FormatException>(() => new ProtoReader(Convert.FromHexString(hex)).ReadRawBytes("x", 4).ToArray());
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task LengthPrefixed_RoundTripsAndStopsAtTheMessage()
    {
        using var stream = new MemoryStream();
        await LengthPrefixed.WriteAsync(stream, new byte[] { 1, 2, 3 }, CancellationToken.None);
        stream.WriteByte(0xAA);
        stream.Position = 0;
        Assert.Equal(new byte[] { 1, 2, 3 }, await LengthPrefixed.ReadAsync(stream, 10, CancellationToken.None));
        Assert.Equal(0xAA, stream.ReadByte());
        Assert.Equal(LengthPrefixed.Encode([1, 2, 3]), new byte[] { 3, 1, 2, 3 });
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("0b", "exceeds the limit of 10")]
    [InlineData("80", "inside a length prefix")]
    [InlineData("0301", "inside a message of 3 bytes")]
    [InlineData("8080808080", "too long")]
    public async Task LengthPrefixed_Bad_InvalidDataException(string hex, string? fragment)
    {
        using var stream = new MemoryStream(Convert.FromHexString(hex));
        if (fragment is null)
        {
            Assert.Null(await LengthPrefixed.ReadAsync(stream, 10, CancellationToken.None));
            return;
        }
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => await LengthPrefixed.ReadAsync(stream, 10, CancellationToken.None));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }
}
