using PluginMesh.Plugins.Proxy.Socks5.Target;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Target;

public sealed class TargetCodecTests
{
    public static TheoryData<string?> Addresses() => new() { null, "10.0.0.7", "fd00::7" };

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task Request_RoundTrips(string? address)
    {
        var request = new TargetRequest(22, address is null ? null : IPAddress.Parse(address));
        using var stream = new MemoryStream();
        await TargetCodec.WriteRequestAsync(stream, request, TestTimeout.Token());
        stream.Position = 0;
        var (read, error) = await TargetCodec.ReadRequestAsync(stream, TestTimeout.Token());
        Assert.Equal("", error);
        Assert.Equal(request, read);
    }

    public static TheoryData<byte[], string> BadRequests() => new()
    {
        { [], "request: stream ended before it" },
        { [5, 1, 0, 22], "request: truncated message: stream ended inside a message of 5 bytes" },
        { [3, 1, 0, 22], "request of 3 bytes is shorter than 4" },
        { [21, .. new byte[21]], "request: message of 21 bytes exceeds the limit of 20" },
        { [4, 2, 0, 22, 0], "unsupported version 2" },
        { [4, 1, 0, 22, 5], "unknown address family 5" },
        { [5, 1, 0, 22, 4, 1], "request length 5 does not fit family 4" },
        { [4, 1, 0, 0, 0], "port 0" },
        { [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "request: length prefix is too long (longer than 5 bytes)" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Request_Malformed_IsAnErrorText(byte[] bytes, string expected)
    {
        var (request, error) = await TargetCodec.ReadRequestAsync(new MemoryStream(bytes), TestTimeout.Token());
        Assert.Null(request);
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task Answer_RoundTrips_LongReasonCutOnACharacterBoundary()
    {
        using var stream = new MemoryStream();
        var reason = "port_not_allowed: " + new string('é', 200);
        await TargetCodec.WriteAnswerAsync(stream, TargetStatus.NotAllowed, reason, TestTimeout.Token());
        stream.Position = 0;
        var (status, read) = await TargetCodec.ReadAnswerAsync(stream, TestTimeout.Token());
        Assert.Equal(TargetStatus.NotAllowed, status);
        Assert.StartsWith(read, reason, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(read) <= 255);
        Assert.DoesNotContain('\uFFFD', read);

        var (bad, why) = await TargetCodec.ReadAnswerAsync(new MemoryStream([1, 9]), TestTimeout.Token());
        Assert.Equal((TargetStatus.BadRequest, "unknown status 9"), (bad, why));
    }
}
