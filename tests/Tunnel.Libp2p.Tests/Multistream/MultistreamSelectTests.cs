using PluginMesh.Plugins.Tunnel.Libp2p.Multistream;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Multistream;

public sealed class MultistreamSelectTests
{
    [Fact]
    public async Task Select_SecondProposalAccepted_AfterNa()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        await using var _ = a;
        await using var __ = b;
        var ct = TestTimeout.Token();
        var listener = MultistreamSelect.HandleAsync(b, ["/b/1"], ct);
        Assert.Equal("/b/1", await MultistreamSelect.SelectAsync(a, ["/a/1", "/b/1"], ct));
        Assert.Equal("/b/1", await listener);
    }

    [Fact]
    public async Task Select_NoneSupported_ThrowsProtocolNotSupported()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        await using var _ = a;
        await using var __ = b;
        var ct = TestTimeout.Token();
        var listener = MultistreamSelect.HandleAsync(b, ["/b/1"], ct);
        var e = await Assert.ThrowsAsync<MultistreamException>(() => MultistreamSelect.SelectAsync(a, ["/x/1"], ct));
        Assert.True(e.ProtocolNotSupported);
        a.Dispose();
        await Assert.ThrowsAnyAsync<IOException>(() => listener);
    }

    [Fact]
    public async Task Handle_Ls_ListsProtocolsThenNegotiates()
    {
        var (a, b) = await SocketPair.StreamsAsync();
        await using var _ = a;
        await using var __ = b;
        var ct = TestTimeout.Token();
        var listener = MultistreamSelect.HandleAsync(b, ["/p/1", "/q/2"], ct);
        var buffer = new byte[2048];
        var n = MultistreamSelect.Encode(MultistreamSelect.ProtocolId, buffer);
        n += MultistreamSelect.Encode("ls", buffer.AsSpan(n));
        await a.WriteAsync(buffer.AsMemory(0, n), ct);
        Assert.Equal(MultistreamSelect.ProtocolId, await MultistreamSelect.ReadMessageAsync(a, buffer, ct));
        var list = await MultistreamSelect.ReadMessageAsync(a, buffer, ct);
        Assert.Contains("/p/1", list, StringComparison.Ordinal);
        Assert.Contains("/q/2", list, StringComparison.Ordinal);
        n = MultistreamSelect.Encode("/q/2", buffer);
        await a.WriteAsync(buffer.AsMemory(0, n), ct);
        Assert.Equal("/q/2", await listener);
    }

    [Theory]
    [InlineData("13" + "2f6d756c746973747265616d2f312e302e30" + "00", "missing its newline")]
    [InlineData("ffff7f", "longer than 2 bytes")]
    [InlineData("8110", "exceeds 1024")]
    [InlineData("00", "empty message")]
    [InlineData("052f782f790a", "expected header")]
    public async Task Handle_MalformedInput_ThrowsMultistreamException(string hex, string fragment)
    {
        using var input = new MemoryStream(Convert.FromHexString(hex));
        using var duplex = new DuplexStream(input);
        var e = await Assert.ThrowsAsync<MultistreamException>(() => MultistreamSelect.HandleAsync(duplex, ["/a"], TestTimeout.Token()));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }
}
