namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>Yamux settings. Defaults match js-libp2p 3.x where the wire requires it.</summary>
public sealed record YamuxOptions
{
    /// <summary>Both ends assume this window for a new stream (spec value; not negotiable).</summary>
    public const uint InitialWindow = 256 * 1024;

    /// <summary>The receive window a busy stream may grow to; also bounds its receive buffer.</summary>
    public uint MaxStreamWindow { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Receive memory one session may commit (unread bytes plus granted window) before windows stop
    /// growing; see <see cref="YamuxReceiveBudget"/>. Each open stream keeps its 256 KiB initial window regardless.
    /// </summary>
    public long MaxSessionBuffer { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// The node-wide receive budget every session of the node also counts in (null: none). Shared by
    /// reference: sessions made with one options instance draw on the one budget.
    /// </summary>
    public YamuxReceiveBudget? HostBudget { get; init; }

    /// <summary>Inbound streams open at once; more are reset and counted.</summary>
    public int MaxInboundStreams { get; init; } = 1000;

    /// <summary>Outbound streams open at once; opening more fails with <see cref="YamuxException"/>.</summary>
    public int MaxOutboundStreams { get; init; } = 1000;

    /// <summary>Ping interval (js closes idle TCP after 2 min; its own pings come every 30 s). Zero disables.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keep-alive ping may go unanswered before the session is closed.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After we open a stream or send data, how long the peer may stay silent (no frame at all: not the
    /// stream's ACK, no window update, nothing else) before a liveness ping is sent (<see cref="LivenessProbeTimeout"/>). A live peer ACKs
    /// a SYN as soon as its read loop sees it; a connection that died without a FIN or RST (a NAT mapping
    /// expired, a link went down, a relay froze) otherwise looks alive until the keep-alive ping, up to
    /// <see cref="KeepAliveInterval"/> + <see cref="KeepAliveTimeout"/> later, and every stream opened on
    /// it meanwhile waits for nothing. Zero disables.
    /// </summary>
    public TimeSpan LivenessProbeAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long that liveness ping may go unanswered before the session is closed.</summary>
    public TimeSpan LivenessProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Largest Data payload we send. 65507 + 12-byte header = 65519, exactly one Noise message.
    /// </summary>
    public int MaxFramePayload { get; init; } = 65507;

    /// <summary>RTT assumed for window growth until a ping has measured one (and its floor).</summary>
    public TimeSpan MinRttForWindowGrowth { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>After a drain, how long to wait for the peer to close its side once ours is shut down.</summary>
    public TimeSpan DrainLingerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Control frames (window updates, ping replies) allowed to queue before the peer is considered abusive.</summary>
    public int MaxQueuedControlFrames { get; init; } = 65536;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
