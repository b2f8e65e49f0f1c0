namespace PluginMesh.Plugins.Tunnel.Libp2p.Host;

/// <summary>An upgraded (secure, multiplexed) connection to one peer. Thread-safe.</summary>
public sealed class Libp2pConnection : IAsyncDisposable
{
    private readonly TaskCompletionSource<IdentifyMessage?> _identify = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _negotiationTimeout;
    private IdentifyMessage? _pushed;
    private long _rttTicks = -1;
    private int _path;
    private Libp2pConnection? _replacedBy;

    internal Libp2pConnection(PeerId remotePeerId, byte[] remotePublicKey, Multiaddr localAddress, Multiaddr remoteAddress, bool isInitiator, YamuxSession session, TimeSpan negotiationTimeout)
    {
        RemotePeerId = remotePeerId;
        RemotePublicKey = remotePublicKey;
        LocalAddress = localAddress;
        RemoteAddress = remoteAddress;
        IsInitiator = isInitiator;
        Session = session;
        _negotiationTimeout = negotiationTimeout;
        // A relay's circuit address is the only thing that tells relayed from direct at this layer.
        _path = (int)(remoteAddress.IsRelayed ? PathKind.Relayed : PathKind.Direct);
    }

    /// <summary>How the connection is carried; hole punching marks its direct connections <see cref="PathKind.HolePunched"/>.</summary>
    public PathKind Path
    {
        get => (PathKind)Volatile.Read(ref _path);
        internal set => Volatile.Write(ref _path, (int)value);
    }

    /// <summary>When the upgrade completed.</summary>
    public DateTimeOffset OpenedAt { get; internal set; }

    /// <summary>The last libp2p ping round trip, or null before the first.</summary>
    public TimeSpan? LastRtt
    {
        get
        {
            var ticks = Interlocked.Read(ref _rttTicks);
            return ticks < 0 ? null : TimeSpan.FromTicks(ticks);
        }
        internal set => Interlocked.Exchange(ref _rttTicks, value?.Ticks ?? -1);
    }

    public PeerId RemotePeerId { get; }

    /// <summary>The remote's <c>PublicKey</c> protobuf, proven in the Noise handshake.</summary>
    public byte[] RemotePublicKey { get; }

    public Multiaddr LocalAddress { get; }

    public Multiaddr RemoteAddress { get; }

    /// <summary>True when we dialed.</summary>
    public bool IsInitiator { get; }

    /// <summary>The Noise handshake hash, equal on both ends: the tie-break both peers use between duplicate connections.</summary>
    internal byte[] HandshakeHash { get; init; } = [];

    /// <summary>
    /// Set when this connection lost to another one to the same peer (simultaneous dials): it opens no
    /// new streams — <see cref="OpenStreamAsync(IReadOnlyList{string}, CancellationToken)"/> goes to
    /// this one instead — and closes once its open streams have finished. Null for a connection in use.
    /// </summary>
    public Libp2pConnection? ReplacedBy
    {
        get => Volatile.Read(ref _replacedBy);
        internal set => Volatile.Write(ref _replacedBy, value);
    }

    /// <summary>
    /// Arrived from a peer while we waited for its AutoNAT dial-back: the peer closes such a connection
    /// as soon as it is up, so until the answer shows it stays it takes no part in choosing between
    /// duplicates and carries none of our streams (<see cref="Libp2pHost.ExpectDialBack"/>).
    /// </summary>
    internal bool DialBack
    {
        get => Volatile.Read(ref _dialBack);
        set => Volatile.Write(ref _dialBack, value);
    }

    private bool _dialBack;

    public YamuxSession Session { get; }

    public bool IsClosed => Session.IsClosed;

    /// <summary>What the remote told us in Identify (null if it failed); later pushes are merged in.</summary>
    public Task<IdentifyMessage?> IdentifyTask => _identify.Task;

    /// <summary>The latest Identify information, including pushes.</summary>
    public IdentifyMessage? RemoteIdentify => _pushed ?? (_identify.Task.IsCompletedSuccessfully ? _identify.Task.Result : null);

    /// <summary>
    /// Opens a stream and negotiates the first of <paramref name="protocols"/> the remote accepts. On a
    /// connection that was replaced (<see cref="ReplacedBy"/>) the stream is opened on the replacement,
    /// and <see cref="Libp2pStream.Connection"/> says so.
    /// </summary>
    /// <exception cref="MultistreamException">The remote supports none (<see cref="MultistreamException.ProtocolNotSupported"/>).</exception>
    public async Task<Libp2pStream> OpenStreamAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        var (stream, on) = await OpenMuxedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_negotiationTimeout);
            var protocol = await MultistreamSelect.SelectAsync(stream, protocols, timeout.Token).ConfigureAwait(false);
            return new Libp2pStream(stream, protocol, on);
        }
        catch
        {
            stream.Reset();
            throw;
        }
    }

    /// <summary>
    /// Opens a stream for <paramref name="protocol"/> without waiting for the negotiation's answer
    /// (<see cref="LazySelectStream"/>): for a protocol the remote listed in Identify. Replaced
    /// connections are handled as by <see cref="OpenStreamAsync(IReadOnlyList{string}, CancellationToken)"/>.
    /// </summary>
    public async Task<(Libp2pStream Stream, LazySelectStream Lazy)> OpenLazyStreamAsync(string protocol, CancellationToken cancellationToken)
    {
        var (stream, on) = await OpenMuxedAsync(cancellationToken).ConfigureAwait(false);
        return (new Libp2pStream(stream, protocol, on), new LazySelectStream(stream, protocol));
    }

    /// <summary>True when the remote's Identify lists <paramref name="protocol"/> (so a lazy open may assume it).</summary>
    public bool RemoteSupports(string protocol) => RemoteIdentify?.Protocols.Contains(protocol, StringComparer.Ordinal) == true;

    /// <summary>A new yamux stream on this connection, or on the one that replaced it.</summary>
    private async Task<(YamuxStream Stream, Libp2pConnection On)> OpenMuxedAsync(CancellationToken cancellationToken)
    {
        if (ReplacedBy is { } retiredFor && retiredFor != this) return await retiredFor.OpenMuxedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return (await Session.OpenStreamAsync(cancellationToken).ConfigureAwait(false), this);
        }
        catch (YamuxException e) when ((e.GoingAway || Session.IsClosed) && ReplacedBy is { } replacement && replacement != this)
        {
            // Retired (or already drained and closed) in favour of another connection to the same peer.
            return await replacement.OpenMuxedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<Libp2pStream> OpenStreamAsync(string protocol, CancellationToken cancellationToken) =>
        OpenStreamAsync([protocol], cancellationToken);

    public ValueTask DisposeAsync() => Session.CloseAsync();

    internal void CompleteIdentify(IdentifyMessage? message) => _identify.TrySetResult(message);

    internal void ApplyPush(IdentifyMessage message)
    {
        var current = RemoteIdentify;
        _pushed = current is null ? message : current.Merge(message);
    }

    public override string ToString() => $"{RemotePeerId} via {RemoteAddress} ({(IsInitiator ? "out" : "in")}, {Path})";
}
