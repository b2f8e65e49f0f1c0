using Microsoft.Extensions.Time.Testing;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;
using PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Yamux;

/// <summary>
/// A connection that died without FIN or RST (a NAT mapping expired, a frozen relay) is found when a
/// stream opened or data sent on it draws no frame at all: a liveness ping, then the session is
/// closed. The session's clock is a fake, advanced by the test at the points the protocol has reached.
/// </summary>
public sealed class YamuxLivenessTests
{
    private static readonly TimeSpan After = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task StreamOpened_PeerSilent_PingUnanswered_SessionClosedWithTheReason()
    {
        var ct = TestTimeout.Token();
        await using var peer = await RawPeer.StartAsync();
        await using var stream = await peer.Session.OpenStreamAsync(ct);

        await peer.ExpectProbeAsync(1, ct);
        Assert.False(peer.Session.IsClosed);
        peer.Time.Advance(Timeout);

        await peer.Session.Completion.WaitAsync(ct);
        Assert.StartsWith("peer silent: nothing received 2 s after a stream was opened or data sent, and a ping unanswered for 5 s", peer.Session.CloseReason, StringComparison.Ordinal);
        Assert.Equal(1, peer.Session.LivenessProbes);
        Assert.True(peer.Session.ClosedSilent);
    }

    [Fact]
    public async Task DataSent_OnAStreamThePeerAnsweredBefore_PeerNowSilent_SessionClosed()
    {
        // A relayed connection's frames are data on its relay connection: data sent into silence is
        // what finds a relay that froze.
        var ct = TestTimeout.Token();
        await using var peer = await RawPeer.StartAsync();
        await using var stream = await peer.Session.OpenStreamAsync(ct);
        // The peer is alive at first: it answers a ping (a frame after the stream was opened).
        var ping = peer.Session.PingAsync(ct);
        await YamuxWireTests.ReadUntilAsync(peer.Raw, YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, 1), ct);
        await peer.AnswerPingAsync(1, ct);
        await ping;
        peer.Time.Advance(After);
        await peer.Session.LivenessCheck.WaitAsync(ct);
        Assert.Equal(0, peer.Session.LivenessProbes);

        await stream.WriteAsync(new byte[100], ct);
        await peer.ExpectProbeAsync(2, ct);
        peer.Time.Advance(Timeout);

        await peer.Session.Completion.WaitAsync(ct);
        Assert.True(peer.Session.ClosedSilent);
        Assert.Equal(1, peer.Session.LivenessProbes);
    }

    [Fact]
    public async Task StreamOpened_PeerAcks_NoPing_SessionStaysOpen()
    {
        var ct = TestTimeout.Token();
        var time = new FakeTimeProvider();
        var (a, b) = await SocketPair.StreamsAsync();
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
        await using var peer = await RawPeer.StartAsync();
        await using var stream = await peer.Session.OpenStreamAsync(ct);

        await peer.ExpectProbeAsync(1, ct);
        await peer.AnswerPingAsync(1, ct);
        await peer.Session.LivenessCheck.WaitAsync(ct);

        Assert.Equal(1, peer.Session.LivenessProbes);
        Assert.False(peer.Session.IsClosed);
    }

    private static YamuxOptions Options(TimeProvider time) => new()
    {
        KeepAliveInterval = TimeSpan.Zero,
        LivenessProbeAfter = After,
        LivenessProbeTimeout = Timeout,
        TimeProvider = time,
    };

    /// <summary>A client session on a fake clock whose peer is a raw socket the test speaks for (or keeps silent).</summary>
    private sealed class RawPeer(Stream raw, YamuxSession session, FakeTimeProvider time) : IAsyncDisposable
    {
        public Stream Raw { get; } = raw;

        public YamuxSession Session { get; } = session;

        public FakeTimeProvider Time { get; } = time;

        public static async Task<RawPeer> StartAsync()
        {
            var time = new FakeTimeProvider();
            var (raw, b) = await SocketPair.StreamsAsync();
            var session = new YamuxSession(b, isClient: true, Options(time), _ => { });
            session.Start();
            return new RawPeer(raw, session, time);
        }

        /// <summary>Lets the check's delay pass and reads its liveness ping (ping id <paramref name="id"/>) off the wire.</summary>
        public async Task ExpectProbeAsync(uint id, CancellationToken ct)
        {
            Time.Advance(After);
            await YamuxWireTests.ReadUntilAsync(Raw, YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Syn, 0, id), ct);
        }

        public async Task AnswerPingAsync(uint id, CancellationToken ct) =>
            await Raw.WriteAsync(Convert.FromHexString(YamuxWireTests.Frame(YamuxFrameType.Ping, YamuxFlags.Ack, 0, id)), ct);

        public async ValueTask DisposeAsync()
        {
            await Session.DisposeAsync();
            Raw.Dispose();
        }
    }
}
