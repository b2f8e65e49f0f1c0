using Microsoft.Extensions.Time.Testing;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>
/// A connection that died without FIN or RST (a NAT mapping expired, a frozen relay) is found when a
/// stream opened on it draws no frame at all: a liveness ping, then the session is closed. The
/// session's clock is a fake, advanced by the test at the points the protocol has reached.
/// </summary>
public sealed class YamuxLivenessTests
{
    private static readonly TimeSpan After = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StreamOpened_PeerSilent_PingUnanswered_SessionClosedWithTheReason()
    {
        var ct = TestTimeout.Token();
        var time = new FakeTimeProvider();
        var (silentPeer, b) = await SocketPair.CreateAsync();
        await using var session = new YamuxSession(b, isClient: true, Options(time), _ => { });
        session.Start();

        await using var stream = await session.OpenStreamAsync(ct);
        time.Advance(After);
        // The probe's ping reaches the wire: the peer (which never answers) reads it.
        await ReadUntilAsync(silentPeer, YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 1), ct);
        Assert.False(session.IsClosed);
        time.Advance(Timeout);

        await session.Completion.WaitAsync(ct);
        Assert.StartsWith("peer silent: nothing received 2 s after a stream was opened or data sent, and a ping unanswered for 5 s", session.CloseReason, StringComparison.Ordinal);
        Assert.Equal(1, session.LivenessProbes);
        Assert.True(session.ClosedSilent);
        silentPeer.Dispose();
    }

    [Fact]
    public async Task DataSent_OnAStreamThePeerAnsweredBefore_PeerNowSilent_SessionClosed()
    {
        // A relayed connection's frames are data on its relay connection: data sent into silence is
        // what finds a relay that froze.
        var ct = TestTimeout.Token();
        var time = new FakeTimeProvider();
        var (peer, b) = await SocketPair.CreateAsync();
        await using var session = new YamuxSession(b, isClient: true, Options(time), _ => { });
        session.Start();
        await using var stream = await session.OpenStreamAsync(ct);
        // The peer is alive at first: it answers a ping (a frame after the stream was opened).
        var ping = session.PingAsync(ct);
        await ReadUntilAsync(peer, YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 1), ct);
        await peer.WriteAsync(Convert.FromHexString(YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Ack, 0, 1)), ct);
        await ping;
        time.Advance(After);
        await session.LivenessCheck.WaitAsync(ct);
        Assert.Equal(0, session.LivenessProbes);

        await stream.WriteAsync(new byte[100], ct);
        time.Advance(After);
        await ReadUntilAsync(peer, YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 2), ct);
        time.Advance(Timeout);

        await session.Completion.WaitAsync(ct);
        Assert.True(session.ClosedSilent);
        Assert.Equal(1, session.LivenessProbes);
        peer.Dispose();
    }

    [Fact]
    public async Task StreamOpened_PeerAcks_NoPing_SessionStaysOpen()
    {
        var ct = TestTimeout.Token();
        var time = new FakeTimeProvider();
        var (a, b) = await SocketPair.CreateAsync();
        await using var server = new YamuxSession(a, isClient: false, Options(new FakeTimeProvider()), _ => { });
        await using var client = new YamuxSession(b, isClient: true, Options(time), _ => { });
        server.Start();
        client.Start();

        await using var stream = await client.OpenStreamAsync(ct);
        // The peer's control frames go out in order: its ACK of the stream precedes this pong.
        await client.PingAsync(ct);
        time.Advance(After);
        await client.LivenessCheck.WaitAsync(ct);

        Assert.Equal(0, client.LivenessProbes);
        Assert.False(client.IsClosed);
        await client.CloseAsync();
        Assert.False(client.ClosedSilent);
    }

    [Fact]
    public async Task StreamOpened_PeerSilentButAnswersThePing_SessionStaysOpen()
    {
        // A peer slow to accept streams but alive: the ping is answered, nothing is closed.
        var ct = TestTimeout.Token();
        var time = new FakeTimeProvider();
        var (peer, b) = await SocketPair.CreateAsync();
        await using var session = new YamuxSession(b, isClient: true, Options(time), _ => { });
        session.Start();

        await using var stream = await session.OpenStreamAsync(ct);
        time.Advance(After);
        await ReadUntilAsync(peer, YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 1), ct);
        await peer.WriteAsync(Convert.FromHexString(YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Ack, 0, 1)), ct);
        await session.LivenessCheck.WaitAsync(ct);

        Assert.Equal(1, session.LivenessProbes);
        Assert.False(session.IsClosed);
        peer.Dispose();
    }

    private static YamuxOptions Options(TimeProvider time) => new()
    {
        KeepAliveInterval = TimeSpan.Zero,
        LivenessProbeAfter = After,
        LivenessProbeTimeout = Timeout,
        TimeProvider = time,
    };

    private static async Task ReadUntilAsync(Stream raw, string hex, CancellationToken ct)
    {
        var seen = new List<byte>();
        var buffer = new byte[256];
        while (!Convert.ToHexString(seen.ToArray()).Contains(hex, StringComparison.Ordinal))
        {
            var n = await raw.ReadAsync(buffer, ct);
            Assert.NotEqual(0, n);
            seen.AddRange(buffer.AsSpan(0, n));
        }
    }
}
