using System.IO.Pipelines;
using System.Threading.Channels;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>
/// A Yamux session (/yamux/1.0.0) over a secure stream. The read loop never blocks on writing:
/// window updates, ping replies and resets go through a queue drained by a separate sender, so two
/// peers that both fill their send buffers cannot deadlock. Data writes share one write lock.
/// </summary>
/// <remarks>Thread-safe. Any protocol violation closes the session with GoAway and a logged reason; no exception escapes the loops.</remarks>
public sealed partial class YamuxSession : IAsyncDisposable
{
    public const string ProtocolId = "/yamux/1.0.0";
    private readonly Stream _transport;
    private readonly PipeReader _reader;
    private readonly bool _isClient;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly Action<YamuxStream> _onInbound;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, YamuxStream> _streams = [];
    private readonly Dictionary<uint, (long Start, TaskCompletionSource<TimeSpan> Done)> _pings = [];
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Channel<YamuxHeader> _control = Channel.CreateUnbounded<YamuxHeader>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private uint _nextStreamId;
    private uint _nextPingId;
    private int _inbound;
    private int _outbound;
    private int _queuedControl;
    private long _rejected;
    private long _totalStreams;
    private long _rttTicks;
    // Frames read so far (the read loop is the only writer) and whether a liveness probe is pending.
    private long _framesIn;
    private int _probeArmed;
    private long _sends;
    private long _livenessProbes;
    private int _closedSilent;
    private bool _localGoAway;
    private bool _remoteGoAway;
    private bool _remoteGoAwayClose;
    private string? _goAwayReason;
    private int _closed;
    // Draining (see YamuxSession.Draining.cs): no new streams from us; GoAway sent as part of a drain; close once idle.
    private bool _stopOpening;
    private bool _drainAnnounced;
    private bool _closeWhenIdle;
    private int _drainFinishing;
    private int _writeShutdown;

    /// <param name="transport">The secure stream; the session owns and disposes it.</param>
    /// <param name="isClient">True on the dialing side (odd stream ids).</param>
    /// <param name="onInbound">Called on the read loop for each accepted inbound stream; must not block.</param>
    public YamuxSession(Stream transport, bool isClient, YamuxOptions options, Action<YamuxStream> onInbound, ILogger? logger = null, string? name = null)
    {
        _transport = transport;
        _isClient = isClient;
        Options = options;
        _onInbound = onInbound;
        _logger = logger ?? NullLogger.Instance;
        _name = name ?? (isClient ? "client" : "server");
        _nextStreamId = isClient ? 1u : 2u;
        ReceiveBudget = new YamuxReceiveBudget(options.MaxSessionBuffer, options.HostBudget);
        // Zero-byte reads: an idle session waits for data without holding a pipe buffer.
        _reader = PipeReader.Create(transport, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true, useZeroByteReads: true));
    }

    public YamuxOptions Options { get; }

    /// <summary>Receive memory of this session: unread bytes (and their peak), committed window, cap.</summary>
    public YamuxReceiveBudget ReceiveBudget { get; }

    /// <summary>Raised (on the read loop) each time an inbound stream is reset: <c>limit</c> (too many open) or <c>budget</c> (the host receive budget is full).</summary>
    public event Action<string>? StreamRejected;

    /// <summary>Completes when the session is closed, for whatever reason.</summary>
    public Task Completion => _completed.Task;

    /// <summary>Why the session closed (null while open).</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Inbound streams reset because the stream limit or the host receive budget was reached.</summary>
    public long RejectedStreams => Interlocked.Read(ref _rejected);

    /// <summary>Round-trip time from the last answered ping (zero until one was).</summary>
    public TimeSpan Rtt => TimeSpan.FromTicks(Interlocked.Read(ref _rttTicks));

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public int StreamCount { get { lock (_lock) return _streams.Count; } }

    /// <summary>Streams opened either way over the session's life (idle tracking notices short-lived streams by it).</summary>
    public long TotalStreams => Interlocked.Read(ref _totalStreams);

    /// <summary>Starts the read loop, the control sender, and the keep-alive; js expects a ping at once.</summary>
    public void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(ControlLoopAsync);
        _ = Task.Run(KeepAliveLoopAsync);
    }

    /// <summary>Opens an outbound stream (WindowUpdate+SYN, as js does; data may follow before the ACK).</summary>
    /// <exception cref="YamuxException">The session is closed, draining or going away (<see cref="YamuxException.GoingAway"/>), or at its outbound limit.</exception>
    public async ValueTask<YamuxStream> OpenStreamAsync(CancellationToken cancellationToken = default)
    {
        if (IsClosed) throw new YamuxException($"yamux: session closed ({CloseReason})");
        // Decided and sent under the write lock: a stream counted before a drain's GoAway has its SYN
        // on the wire before that GoAway, so the peer has seen every stream once it has seen the GoAway.
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            YamuxStream stream;
            lock (_lock)
            {
                if (IsClosed) throw new YamuxException($"yamux: session closed ({CloseReason})");
                if (_stopOpening || _localGoAway) throw new YamuxException("yamux: session is draining", goingAway: true);
                if (_remoteGoAway) throw new YamuxException("yamux: session is going away", goingAway: true);
                if (_outbound >= Options.MaxOutboundStreams) throw new YamuxException($"yamux: outbound stream limit {Options.MaxOutboundStreams} reached", limitExceeded: true);
                if (_nextStreamId > uint.MaxValue - 2) throw new YamuxException("yamux: stream ids exhausted");
                var id = _nextStreamId;
                _nextStreamId += 2;
                stream = new YamuxStream(this, id, outbound: true);
                _streams[id] = stream;
                _outbound++;
                _totalStreams++;
            }
            await WriteLockedAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, stream.Id, 0), default).ConfigureAwait(false);
            ArmLivenessProbe();
            return stream;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends a ping and returns the round-trip time.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        uint id;
        lock (_lock)
        {
            if (IsClosed) throw new YamuxException($"yamux: session closed ({CloseReason})");
            id = ++_nextPingId;
            _pings[id] = (Options.TimeProvider.GetTimestamp(), done);
        }
        QueueControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, id));
        try
        {
            return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock) _pings.Remove(id);
        }
    }

    /// <summary>Sends GoAway(normal) and closes the session.</summary>
    public async ValueTask CloseAsync()
    {
        if (IsClosed) return;
        lock (_lock) _localGoAway = true;
        try
        {
            await WriteFrameAsync(new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)YamuxGoAwayCode.Normal), default, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already broken; closing is all that is left.
        }
        catch (ObjectDisposedException)
        {
        }
        Close("closed locally");
    }

    public ValueTask DisposeAsync() => CloseAsync();

    internal void QueueControl(YamuxHeader header)
    {
        if (IsClosed || Volatile.Read(ref _writeShutdown) != 0) return;
        if (Interlocked.Increment(ref _queuedControl) > Options.MaxQueuedControlFrames)
        {
            Close("too many queued control frames (peer is not reading)");
            return;
        }
        _control.Writer.TryWrite(header);
    }

    /// <summary>
    /// The most Data one stream write hands over at once: four frames, kept small enough that with
    /// their headers and the Noise framing (2-byte length and 16-byte tag per message) they fit one
    /// 256 KiB pooled buffer and go out in one socket send.
    /// </summary>
    internal int MaxDataWrite => Math.Min(4 * Options.MaxFramePayload, 256 * 1024 - 4 * (YamuxHeader.Size + 18));

    internal async ValueTask WriteFrameAsync(YamuxHeader header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (IsClosed) throw new YamuxException($"yamux: session closed ({CloseReason})");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteLockedAsync(header, payload).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Writes one frame, or for a Data payload longer than <see cref="YamuxOptions.MaxFramePayload"/>
    /// several frames of that size (flags on the first), all in one write; the caller holds the write lock.
    /// </summary>
    private async ValueTask WriteLockedAsync(YamuxHeader header, ReadOnlyMemory<byte> payload)
    {
        // Headers and payloads go out in one write: each frame fills one Noise message and the
        // whole batch one socket send, so the receiver wakes once per batch rather than per frame.
        var max = Options.MaxFramePayload;
        var frames = payload.Length <= max ? 1 : (payload.Length + max - 1) / max;
        var size = frames * YamuxHeader.Size + payload.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            if (IsClosed) throw new YamuxException($"yamux: session closed ({CloseReason})");
            if (Volatile.Read(ref _writeShutdown) != 0) throw new YamuxException("yamux: session drained (sending side closed)");
            var at = 0;
            var flags = header.Flags;
            var rest = payload.Span;
            do
            {
                var n = frames == 1 ? rest.Length : Math.Min(rest.Length, max);
                new YamuxHeader(header.Type, flags, header.StreamId, frames == 1 ? header.Length : (uint)n).Write(buffer.AsSpan(at));
                rest[..n].CopyTo(buffer.AsSpan(at + YamuxHeader.Size));
                at += YamuxHeader.Size + n;
                rest = rest[n..];
                flags = YamuxFlags.None;
            }
            while (rest.Length > 0);
            await _transport.WriteAsync(buffer.AsMemory(0, size), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not YamuxException and not OperationCanceledException)
        {
            Close($"write failed: {e.Message}");
            throw new YamuxException($"yamux: write failed ({e.Message})");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal void ForgetIfFinished(YamuxStream stream)
    {
        if (!stream.IsFinished) return;
        bool draining;
        lock (_lock)
        {
            if (_streams.TryGetValue(stream.Id, out var s) && ReferenceEquals(s, stream))
            {
                _streams.Remove(stream.Id);
                if (stream.IsOutbound) _outbound--;
                else _inbound--;
            }
            draining = _stopOpening;
        }
        if (draining) TryFinishDrain();
    }

    private async Task ControlLoopAsync()
    {
        try
        {
            while (await _control.Reader.WaitToReadAsync(_shutdown.Token).ConfigureAwait(false))
            {
                // Rented per batch, not per session: an idle session holds no buffer.
                var batch = ArrayPool<byte>.Shared.Rent(YamuxHeader.Size * Math.Clamp(Volatile.Read(ref _queuedControl), 1, 256));
                await _writeLock.WaitAsync(_shutdown.Token).ConfigureAwait(false);
                try
                {
                    // Batch every queued control frame into one write.
                    var n = 0;
                    while (n + YamuxHeader.Size <= batch.Length && _control.Reader.TryRead(out var header))
                    {
                        Interlocked.Decrement(ref _queuedControl);
                        header.Write(batch.AsSpan(n));
                        n += YamuxHeader.Size;
                    }
                    if (Volatile.Read(ref _writeShutdown) != 0) n = 0; // drained: nothing more goes out
                    if (n > 0) await _transport.WriteAsync(batch.AsMemory(0, n), _shutdown.Token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                    ArrayPool<byte>.Shared.Return(batch);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            Close($"control write failed: {e.Message}");
        }
    }

    /// <summary>Liveness pings sent because the peer stayed silent after a stream was opened or data sent (<see cref="YamuxOptions.LivenessProbeAfter"/>).</summary>
    public long LivenessProbes => Interlocked.Read(ref _livenessProbes);

    /// <summary>
    /// Checks, <see cref="YamuxOptions.LivenessProbeAfter"/> after a stream was opened or data was sent,
    /// that the peer has sent anything since; if not, pings it and closes the session when the ping goes
    /// unanswered too. One check runs at a time and watches what is sent while it waits as well. Data
    /// counts too: a relayed connection's frames travel as data on its relay connection, so a relay
    /// that went silent is found by the first stream opened through it.
    /// </summary>
    internal void ArmLivenessProbe()
    {
        Interlocked.Increment(ref _sends);
        if (Options.LivenessProbeAfter <= TimeSpan.Zero || IsClosed) return;
        if (Interlocked.CompareExchange(ref _probeArmed, 1, 0) != 0) return;
        LivenessCheck = ProbeLivenessAsync();
    }

    /// <summary>The liveness check last started (tests wait for it).</summary>
    internal Task LivenessCheck { get; private set; } = Task.CompletedTask;

    private async Task ProbeLivenessAsync()
    {
        try
        {
            var frames = Volatile.Read(ref _framesIn);
            var sends = Interlocked.Read(ref _sends);
            while (true)
            {
                await Task.Delay(Options.LivenessProbeAfter, Options.TimeProvider, _shutdown.Token).ConfigureAwait(false);
                var framesNow = Volatile.Read(ref _framesIn);
                if (framesNow == frames) break;
                var sendsNow = Interlocked.Read(ref _sends);
                // Everything sent so far was followed by a frame from the peer.
                if (sendsNow == sends) return;
                (frames, sends) = (framesNow, sendsNow);
            }
            Interlocked.Increment(ref _livenessProbes);
            // On the session's clock; a session closed meanwhile fails the ping (YamuxException).
            using var timeout = new CancellationTokenSource(Options.LivenessProbeTimeout, Options.TimeProvider);
            try
            {
                await PingAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
            {
                CloseSilent($"peer silent: nothing received {Options.LivenessProbeAfter.TotalSeconds:0.#} s after a stream was opened or data sent, and a ping unanswered for {Options.LivenessProbeTimeout.TotalSeconds:0.#} s");
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (YamuxException)
        {
        }
        finally
        {
            Volatile.Write(ref _probeArmed, 0);
        }
    }

    private async Task KeepAliveLoopAsync()
    {
        try
        {
            if (Options.KeepAliveInterval <= TimeSpan.Zero) return;
            // An immediate ping measures the RTT used for window growth (and js does the same).
            var first = true;
            while (!IsClosed)
            {
                if (!first) await Task.Delay(Options.KeepAliveInterval, Options.TimeProvider, _shutdown.Token).ConfigureAwait(false);
                first = false;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
                timeout.CancelAfter(Options.KeepAliveTimeout);
                try
                {
                    var rtt = await PingAsync(timeout.Token).ConfigureAwait(false);
                    Interlocked.Exchange(ref _rttTicks, Math.Max(rtt.Ticks, 1));
                }
                catch (OperationCanceledException) when (!_shutdown.IsCancellationRequested)
                {
                    CloseSilent("keep-alive ping timed out");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (YamuxException)
        {
        }
    }

    /// <summary>True when the session was closed because the peer stopped answering (liveness or keep-alive ping unanswered).</summary>
    public bool ClosedSilent => Volatile.Read(ref _closedSilent) != 0;

    private void CloseSilent(string reason)
    {
        if (IsClosed) return;
        Volatile.Write(ref _closedSilent, 1);
        Close(reason);
    }

    private void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        CloseReason = reason;
        YamuxLog.SessionClosed(_logger, _name, reason);
        YamuxStream[] streams;
        List<TaskCompletionSource<TimeSpan>> pings;
        lock (_lock)
        {
            streams = [.. _streams.Values];
            _streams.Clear();
            _inbound = _outbound = 0;
            pings = [.. _pings.Values.Select(p => p.Done)];
            _pings.Clear();
        }
        foreach (var s in streams) s.Fail($"yamux: connection closed ({reason})");
        foreach (var p in pings) p.TrySetException(new YamuxException($"yamux: session closed ({reason})"));
        _control.Writer.TryComplete();
        _shutdown.Cancel();
        try
        {
            _transport.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        _completed.TrySetResult();
    }
}
