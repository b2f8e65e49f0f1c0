using System.Buffers;
using PluginMesh.Plugins.Proxy.Socks5.Socks;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Socks;

public sealed class Socks5ParserTests
{
    /// <summary>The bytes as a sequence of one-byte segments: every parse must work across segment boundaries.</summary>
    internal static ReadOnlySequence<byte> Fragmented(byte[] bytes)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        var last = first;
        for (var i = 1; i < bytes.Length; i++) last = last.Append(bytes.AsMemory(i, 1));
        return new ReadOnlySequence<byte>(first, 0, last, 1);
    }

    [Fact]
    public void Greeting_OffersBothMethods_InPieces_ParsesAndConsumesOnlyIt()
    {
        var buffer = Fragmented([5, 3, 0, 1, 2, 0xAA]);
        Assert.Equal(ParseResult.Done, Socks5Parser.Greeting(buffer, out var consumed, out var methods, out _));
        Assert.Equal((true, true), methods);
        Assert.Equal(5, buffer.Slice(0, consumed).Length);
    }

    public static TheoryData<byte[], ParseResult, string> Greetings() => new()
    {
        { [], ParseResult.NeedMore, "" },
        { [5], ParseResult.NeedMore, "" },
        { [5, 2, 0], ParseResult.NeedMore, "" },
        { [4, 1, 0], ParseResult.Invalid, "version 4 is not SOCKS5" },
        { [5, 0], ParseResult.Invalid, "greeting offers no method" },
        { [5, 1, 0x80], ParseResult.Done, "" },
    };

    [Theory]
    [MemberData(nameof(Greetings))]
    public void Greeting_Table(byte[] bytes, ParseResult expected, string error)
    {
        Assert.Equal(expected, Socks5Parser.Greeting(Fragmented(bytes), out _, out _, out var e));
        Assert.Equal(error, e);
    }

    [Fact]
    public void Credentials_ParseNameAndPassword_NeedMoreUntilComplete()
    {
        byte[] bytes = [1, 2, (byte)'o', (byte)'p', 3, (byte)'a', (byte)':', (byte)'b'];
        for (var n = 0; n < bytes.Length; n++)
            Assert.Equal(ParseResult.NeedMore, Socks5Parser.Credentials(Fragmented(bytes[..n]), out _, out _, out _));
        Assert.Equal(ParseResult.Done, Socks5Parser.Credentials(Fragmented(bytes), out _, out var pair, out _));
        Assert.Equal("op", System.Text.Encoding.ASCII.GetString(pair.User));
        Assert.Equal("a:b", System.Text.Encoding.ASCII.GetString(pair.Password));
        Assert.Equal(ParseResult.Invalid, Socks5Parser.Credentials(Fragmented([5, 0, 0]), out _, out _, out var error));
        Assert.Equal("username/password version 5 is not 1", error);
    }

    public static TheoryData<byte[], ParseResult, string?, string?, int, Socks5Reply> Requests() => new()
    {
        { [5, 1, 0, 3, 6, .. "node-b"u8.ToArray(), 0, 22], ParseResult.Done, "node-b", null, 22, Socks5Reply.Succeeded },
        { [5, 1, 0, 1, 10, 0, 0, 7, 0x1F, 0x90], ParseResult.Done, null, "10.0.0.7", 8080, Socks5Reply.Succeeded },
        { [5, 1, 0, 4, .. IPAddress.IPv6Loopback.GetAddressBytes(), 0, 22], ParseResult.Done, null, "::1", 22, Socks5Reply.Succeeded },
        { [5, 2, 0, 3, 1, (byte)'x', 0, 22], ParseResult.Done, "x", null, 22, Socks5Reply.Succeeded },
        { [5, 1, 0, 3, 6, .. "node-b"u8.ToArray(), 0], ParseResult.NeedMore, null, null, 0, Socks5Reply.GeneralFailure },
        { [5, 1, 0, 4, 0, 0, 0, 0], ParseResult.NeedMore, null, null, 0, Socks5Reply.GeneralFailure },
        { [5, 1, 0, 9, 1, 2, 3, 4, 0, 22], ParseResult.Invalid, null, null, 0, Socks5Reply.AddressTypeNotSupported },
        { [5, 1, 0, 3, 0, 0, 22], ParseResult.Invalid, null, null, 0, Socks5Reply.GeneralFailure },
        { [4, 1, 0, 22, 127, 0, 0, 1, 0], ParseResult.Invalid, null, null, 0, Socks5Reply.GeneralFailure },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Request_Table(byte[] bytes, ParseResult expected, string? host, string? address, int port, Socks5Reply reply)
    {
        Assert.Equal(expected, Socks5Parser.Request(Fragmented(bytes), out var consumed, out var parsed, out _));
        Assert.Equal(reply, parsed.Reply);
        if (expected != ParseResult.Done) return;
        Assert.Equal(host, parsed.Request!.Host);
        Assert.Equal(address, parsed.Request.Address?.ToString());
        Assert.Equal(port, parsed.Request.Port);
        Assert.Equal(bytes.Length, Fragmented(bytes).Slice(0, consumed).Length);
    }

    [Fact]
    public void Reply_IsTenBytes_WithTheCodeSecond()
    {
        Assert.Equal(new byte[] { 5, 7, 0, 1, 0, 0, 0, 0, 0, 0 }, Socks5Parser.Reply(Socks5Reply.CommandNotSupported));
        Assert.Equal("command_not_supported", Socks5Reply.CommandNotSupported.ToCode());
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
