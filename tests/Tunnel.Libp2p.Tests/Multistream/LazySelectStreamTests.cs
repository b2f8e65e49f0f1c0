using PluginMesh.Plugins.Tunnel.Libp2p.Multistream;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Multistream;

/// <summary>Lazy multistream-select over a real yamux session: no wait before the first bytes, errors on the first read.</summary>
public sealed class LazySelectStreamTests
{
    [Fact]
    public async Task Write_ProposalAndDataInOneFrame_ListenerNegotiatesThenReadsTheData()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var lazy = new LazySelectStream(await pair.Client.OpenStreamAsync(ct), "/echo/1");
        // Nothing is read before writing: the listener has not answered yet.
        await lazy.WriteAsync("ping"u8.ToArray(), ct);
        await lazy.CloseWriteAsync(ct);

        var served = await pair.Accepted.Reader.ReadAsync(ct);
        Assert.Equal("/echo/1", await MultistreamSelect.HandleAsync(served, ["/echo/1"], ct));
        var got = new byte[4];
        await served.ReadExactlyAsync(got, ct);
        Assert.Equal("ping"u8.ToArray(), got);
        await served.WriteAsync(got, ct);
        await served.CloseWriteAsync(ct);

        using var reader = new StreamReader(lazy);
        Assert.Equal("ping", await reader.ReadToEndAsync(ct));
    }

    [Fact]
    public async Task Read_BeforeAnyWrite_SendsTheProposalFirst()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var lazy = new LazySelectStream(await pair.Client.OpenStreamAsync(ct), "/greeting/1");
        var read = lazy.ReadAsync(new byte[5], ct).AsTask();

        var served = await pair.Accepted.Reader.ReadAsync(ct);
        Assert.Equal("/greeting/1", await MultistreamSelect.HandleAsync(served, ["/greeting/1"], ct));
        await served.WriteAsync("hello"u8.ToArray(), ct);
        Assert.True(await read > 0);
    }

    [Fact]
    public async Task FirstRead_ListenerAnswersNa_ThrowsProtocolNotSupported_AndResetsTheStream()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var inner = await pair.Client.OpenStreamAsync(ct);
        var lazy = new LazySelectStream(inner, "/gone/1");
        await lazy.WriteAsync("data for nobody"u8.ToArray(), ct);

        var served = await pair.Accepted.Reader.ReadAsync(ct);
        var listener = MultistreamSelect.HandleAsync(served, ["/other/1"], ct);
        var e = await Assert.ThrowsAsync<MultistreamException>(async () => await lazy.ReadAtLeastAsync(new byte[16], 1, throwOnEndOfStream: false, ct));
        Assert.True(e.ProtocolNotSupported);
        Assert.Contains("/gone/1", e.Message, StringComparison.Ordinal);
        // Reset: further writes fail, and the listener (which read our data as a bad proposal or waits for another) ends.
        await Assert.ThrowsAsync<YamuxException>(async () => await lazy.WriteAsync("more"u8.ToArray(), ct));
        await Assert.ThrowsAnyAsync<IOException>(() => listener);
    }
}
