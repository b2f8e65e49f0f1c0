using FsCheck.Xunit;
using PluginMesh.P2p.Encoding;

namespace PluginMesh.P2p.Tests.Encoding;

public sealed class EncodingTests
{
    [Property]
    public bool Base58_RoundTrips(byte[] data) => Base58.Decode(Base58.Encode(data)).AsSpan().SequenceEqual(data);

    [Property]
    public bool Base32_RoundTrips(byte[] data) => Base32.Decode(Base32.Encode(data)).AsSpan().SequenceEqual(data);

    [Property]
    public bool Multibase_Base64Url_RoundTrips(byte[] data) => Multibase.Decode(Multibase.EncodeBase64Url(data)).AsSpan().SequenceEqual(data);

    [Property]
    public bool Varint_RoundTripsWithItsSize(ulong value)
    {
        var buffer = new byte[Varint.MaxLength];
        var n = Varint.Write(buffer, value);
        return n == Varint.Size(value) && Varint.TryRead(buffer.AsSpan(0, n), out var back) == n && back == value;
    }

    [Fact]
    public void Base58_RoundTripsLeadingZeros()
    {
        byte[] data = [0, 0, 1, 2, 255, 0];
        Assert.Equal(data, Base58.Decode(Base58.Encode(data)));
        Assert.StartsWith("11", Base58.Encode(data), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("61", "2g")]
    [InlineData("626262", "a3gV")]
    [InlineData("0000287fb4cd", "11233QC4")]
    public void Base58_KnownVectors(string hex, string text)
    {
        Assert.Equal(text, Base58.Encode(Convert.FromHexString(hex)));
        Assert.Equal(hex, Convert.ToHexStringLower(Base58.Decode(text)));
    }

    [Theory]
    [InlineData("0OIl")]
    [InlineData("abc+")]
    [InlineData("é")]
    public void Base58_BadCharacter_FormatExceptionNamingIt(string text)
    {
        var e = Assert.Throws<FormatException>(() => Base58.Decode(text));
        Assert.Contains("invalid character", e.Message, StringComparison.Ordinal);
        Assert.False(Base58.TryDecode(text, out _));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("66", "my")]
    [InlineData("666f6f626172", "mzxw6ytboi")]
    public void Base32_Rfc4648Vectors_LowerCaseUnpadded(string hex, string text)
    {
        Assert.Equal(text, Base32.Encode(Convert.FromHexString(hex)));
        Assert.Equal(hex, Convert.ToHexStringLower(Base32.Decode(text.ToUpperInvariant())));
    }

    [Fact]
    public void Base32_BadCharacter_FormatExceptionNamingIt()
    {
        var e = Assert.Throws<FormatException>(() => Base32.Decode("ab1c"));
        Assert.Contains("invalid character '1' at 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uAQID", "010203")]
    [InlineData("mAQID", "010203")]
    [InlineData("zLdp", "010203")]
    [InlineData("baebag", "010203")]
    [InlineData("f010203", "010203")]
    public void Multibase_Decodes(string text, string hex) => Assert.Equal(hex, Convert.ToHexStringLower(Multibase.Decode(text)));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("x123", "unsupported prefix 'x'")]
    [InlineData("f0", "odd length")]
    [InlineData("u+/", "invalid base64url character '+'")]
    public void Multibase_Malformed_FormatException(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Multibase.Decode(text));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8000", -1)] // non-minimal: a trailing zero byte
    [InlineData("8001", 2)] // 128
    [InlineData("80", 0)] // truncated
    [InlineData("ffffffffffffffffff02", -1)] // more than 64 bits
    [InlineData("ffffffffffffffffff01", 10)] // exactly 2^64-1
    public void Varint_TryRead_Classifies(string hex, int expected) => Assert.Equal(expected, Varint.TryRead(Convert.FromHexString(hex), out _));
}
