using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>Draining: GoAway both ways, open streams carry on, the session closes once they are done.</summary>
public sealed class YamuxDrainTests
{
    [Fact]
    public async Task Drain_BothSides_OpenStreamKeepsWorking_NewOpensRefused_ClosesWhenStreamEnds()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        var client = await pair.Client.OpenStreamAsync(ct);
        await client.WriteAsync("a"u8.ToArray(), ct);
        var server = await pair.Accepted.Reader.ReadAsync(ct);

        await pair.Client.DrainAsync();
        var refused = await Assert.ThrowsAsync<YamuxException>(async () => await pair.Client.OpenStreamAsync(ct));
        Assert.True(refused.GoingAway);
        await Eventually.TrueAsync(() => pair.Server.IsRemoteGoingAway, "the server saw the GoAway");
        await pair.Server.DrainAsync();
        Assert.False(pair.Client.IsClosed); // a stream is still open

        await client.WriteAsync("b"u8.ToArray(), ct);
        await client.CloseWriteAsync(ct);
        var got = new byte[2];
        await server.ReadExactlyAsync(got, ct);
        Assert.Equal("ab"u8.ToArray(), got);
        await server.WriteAsync("c"u8.ToArray(), ct);
        await server.CloseWriteAsync(ct);
        var back = new byte[1];
        await client.ReadExactlyAsync(back, ct);
        Assert.Equal(0, await client.ReadAsync(back, ct));

        await pair.Client.Completion.WaitAsync(ct);
        await pair.Server.Completion.WaitAsync(ct);
        Assert.Contains("drained", new[] { pair.Client.CloseReason, pair.Server.CloseReason });
    }

    [Fact]
    public async Task Drain_NoStreams_ClosesOnlyAfterThePeersGoAway()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        await pair.Server.DrainAsync(); // server → client GoAway; the client has not answered
        await Eventually.TrueAsync(() => pair.Client.IsRemoteGoingAway, "the client saw the GoAway");
        Assert.Equal(0, pair.Server.StreamCount);
        Assert.False(pair.Server.IsClosed); // no stream left, but it waits for the client's GoAway: a SYN may still be on its way
        await pair.Client.DrainAsync();
        await pair.Server.Completion.WaitAsync(ct);
        await pair.Client.Completion.WaitAsync(ct);
    }

    [Fact]
    public async Task StopOpening_ThenResume_OpensAgain_NothingSent()
    {
        await using var pair = await YamuxPair.CreateAsync();
        var ct = TestTimeout.Token();
        pair.Client.StopOpening();
        await Assert.ThrowsAsync<YamuxException>(async () => await pair.Client.OpenStreamAsync(ct));
        Assert.True(pair.Client.TryResumeOpening());
        var s = await pair.Client.OpenStreamAsync(ct);
        await s.WriteAsync(new byte[1], ct);
        Assert.False(pair.Server.IsRemoteGoingAway);
        await pair.Client.DrainAsync();
        Assert.False(pair.Client.TryResumeOpening());
    }
}
