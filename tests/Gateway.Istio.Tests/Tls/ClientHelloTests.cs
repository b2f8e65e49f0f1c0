using PluginMesh.Plugins.Gateway.Istio.Model;
using PluginMesh.Plugins.Gateway.Istio.Tls;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Tls;

/// <summary>The SNI of real and built ClientHellos; NeedMore exactly while the bytes can still begin one, Invalid once they cannot.</summary>
public sealed class ClientHelloTests
{
    private static (ClientHelloStatus Status, string? Name) Parse(ReadOnlySpan<byte> data) =>
        (ClientHello.TryGetServerName(data, out var name), name);

    // Every proper prefix needs more; the whole gives the name; anything after it changes nothing.
    private static void AssertReadsExactly(byte[] hello, string? expected)
    {
        for (var length = 0; length < hello.Length; length++)
        {
            Assert.True(Parse(hello.AsSpan(0, length)).Status == ClientHelloStatus.NeedMore, $"prefix of {length} of {hello.Length} bytes");
        }

        Assert.Equal((ClientHelloStatus.Complete, expected), Parse(hello));
        Assert.Equal((ClientHelloStatus.Complete, expected), Parse([.. hello, 23, 3, 3, 0, 1, 0xff]));
    }

    [Fact]
    public async Task RealClientHello_NamesTheServer_AtEveryCutNeedsMore()
    {
        var hello = await ClientHellos.CaptureAsync("shop.example.com");
        AssertReadsExactly(hello, "shop.example.com");
    }

    [Fact]
    public async Task RealClientHello_InManySmallRecords_ReadsTheSame()
    {
        var hello = await ClientHellos.CaptureAsync("a-very-long-name.with.many.labels.example.com");
        foreach (var size in new[] { 1, 3, 4, 5, 64, 100 })
        {
            AssertReadsExactly(ClientHellos.Rechunk(hello, size), "a-very-long-name.with.many.labels.example.com");
        }
    }

    [Fact]
    public async Task RealClientHello_ToAnAddress_HasNoServerName()
    {
        var hello = await ClientHellos.CaptureAsync("127.0.0.1");
        AssertReadsExactly(hello, null);
    }

    [Fact]
    public void BuiltHello_UpTo64KiB_Complete_Beyond_Invalid()
    {
        AssertReadsExactly(ClientHellos.Build("big.example.com", padding: 60_000), "big.example.com");
        Assert.Equal(ClientHelloStatus.Invalid, Parse(ClientHellos.Build("big.example.com", padding: 66_000)).Status);
        // Known from the handshake header alone: no need to wait for 66 000 bytes.
        Assert.Equal(ClientHelloStatus.Invalid, Parse(ClientHellos.Build("big.example.com", padding: 66_000).AsSpan(0, 9)).Status);
        // 60 000 records of one byte each (the header is checked per record, the body parsed once).
        var tiny = ClientHellos.Build("tiny.example.com", padding: 59_000, recordSize: 1);
        Assert.Equal((ClientHelloStatus.Complete, "tiny.example.com"), Parse(tiny));
        Assert.Equal(ClientHelloStatus.NeedMore, Parse(tiny.AsSpan(0, tiny.Length - 1)).Status);
        AssertReadsExactly(ClientHellos.Build(null), null);
        AssertReadsExactly(ClientHellos.Build("UPPER.Example.COM."), "upper.example.com");
    }

    public static TheoryData<string, byte[]> NotAHello()
    {
        var hello = ClientHellos.Build("shop.example.com");
        byte[] With(int index, byte value)
        {
            var copy = (byte[])hello.Clone();
            copy[index] = value;
            return copy;
        }

        // Offsets in the built hello: record header 0-4, handshake header 5-8, body from 9 (version 9-10,
        // random 11-42, session id 43-75, suites 76-81, compression 82-83, extensions length 84-85, server_name from 86).
        return new TheoryData<string, byte[]>
        {
            { "http request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray() },
            { "one byte of http", "G"u8.ToArray() },
            { "sslv2 hello", [0x80, 0x2e, 0x01, 0x03, 0x01] },
            { "application data record", With(0, 23) },
            { "record version 2", With(1, 2) },
            { "empty record", [22, 3, 1, 0, 0] },
            { "record over 16 KiB", [22, 3, 1, 0x40, 0x01] },
            { "server hello", With(5, 2) },
            { "hello shorter than its fixed fields", [22, 3, 1, 0, 4, 1, 0, 0, 0] },
            { "body version 2", With(9, 2) },
            { "session id over 32", With(43, 33) },
            { "odd cipher suite length", With(77, 3) },
            { "no compression method", With(82, 0) },
            { "extensions length short by one", With(85, (byte)(hello[85] - 1)) },
            { "server name list length wrong", With(91, 0) },
            { "server name length past the list", With(94, 200) },
            { "server name with a space", With(95, (byte)' ') },
            { "second record not a handshake", [.. ClientHellos.Rechunk(hello, 20).AsSpan(0, 25), 23, 3, 3, 0, 20] },
        };
    }

    [Theory]
    [MemberData(nameof(NotAHello))]
    public void NotAHello_Invalid(string what, byte[] data) =>
        Assert.True(Parse(data).Status == ClientHelloStatus.Invalid, what);

    [Fact]
    public void Empty_NeedsMore() => Assert.Equal((ClientHelloStatus.NeedMore, (string?)null), Parse([]));
}
