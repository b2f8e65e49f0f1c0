namespace PluginMesh.Plugins.Tunnel.Libp2p.Yamux;

/// <summary>
/// One Yamux stream. Received bytes wait in pooled segments of up to 64 KiB, never more than the receive
/// window we granted, so a slow reader bounds the sender instead of our memory. The window is
/// handed back as the application reads and doubles (up to <see cref="YamuxOptions.MaxStreamWindow"/>)
/// when it was used up within a few round trips, the go/js auto-tuning — as far as the session's
/// <see cref="YamuxReceiveBudget"/> allows; when it does not, the window shrinks back towards the
/// initial 256 KiB, which a stream always keeps.
/// </summary>
/// <remarks>One reader and one writer may run concurrently. Read returns 0 after the remote's FIN.</remarks>
public sealed class YamuxStream : DuplexStream
{
    private readonly YamuxSession _session;
    private readonly Lock _lock = new();
    private readonly Queue<YamuxReceiveSegment> _segments = new();
    private YamuxReceiveSegment? _tail;
    private int _buffered;
    private TaskCompletionSource? _readWaiter;
    // The waiting reader's buffer: the read loop copies straight into it (one copy fewer than going
    // through the segments); counted in _buffered until the reader takes it.
    private Memory<byte> _pendingRead;
    private int _pendingFilled;
    private TaskCompletionSource? _writeWaiter;

    // Receive side: how much the remote may still send, the window size we aim for, and bytes read since the last update.
    private long _receiveCredit = YamuxOptions.InitialWindow;
    // Bytes of a Data frame being copied in: taken from the credit, not yet in the buffer.
    private long _incoming;
    private uint _receiveWindow = YamuxOptions.InitialWindow;
    private long _consumed;
    private long _lastUpdateTicks;
    // What this stream counts in the session budget (see SyncReservation).
    private long _reserved;

    private long _sendWindow = YamuxOptions.InitialWindow;
    private bool _localClosed;
    private bool _finWritten;
    private bool _remoteClosed;
    private bool _reset;
    private bool _abandoned;
    private string? _failure;

    /// <param name="floorCommitted">True when the initial window was already committed (<see cref="YamuxReceiveBudget.TryAdmitStream"/>).</param>
    internal YamuxStream(YamuxSession session, uint id, bool outbound, bool floorCommitted = false)
    {
        _session = session;
        Id = id;
        IsOutbound = outbound;
        _lastUpdateTicks = session.Options.TimeProvider.GetTimestamp();
        _reserved = YamuxOptions.InitialWindow;
        if (!floorCommitted) session.ReceiveBudget.AddCommitted(_reserved);
    }

    public uint Id { get; }

    public bool IsOutbound { get; }

    /// <summary>The receive window currently granted (grows under load).</summary>
    public uint ReceiveWindow { get { lock (_lock) return _receiveWindow; } }

    /// <summary>Bytes the remote still lets us send.</summary>
    public long SendWindow { get { lock (_lock) return _sendWindow; } }

    /// <summary>Bytes received and not yet read.</summary>
    public int BufferedBytes { get { lock (_lock) return _buffered; } }

    // Our FIN must be on the wire, not just decided: a drained session closes once no stream is left.
    internal bool IsFinished { get { lock (_lock) return _reset || (_finWritten && _remoteClosed); } }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0) return 0;
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_buffered > 0)
                {
                    var n = CopyOut(buffer.Span);
                    var update = TakeWindowUpdate(n);
                    if (update != 0) _session.QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, update));
                    return n;
                }
                if (_reset) throw new YamuxException(_failure ?? $"yamux: stream {Id} was reset", reset: true);
                if (_abandoned) throw Disposed();
                if (_remoteClosed) return 0;
                _readWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _readWaiter.Task;
                _pendingRead = buffer;
                _pendingFilled = 0;
            }
            try
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Bytes already copied into the caller's buffer are handed over rather than lost.
                lock (_lock)
                {
                    var got = TakePendingRead();
                    if (got > 0) return got;
                }
                throw;
            }
            lock (_lock)
            {
                var got = TakePendingRead();
                if (got > 0) return got;
            }
        }
    }

    /// <summary>Ends direct delivery into the reader's buffer; returns the bytes it got (window accounted). Under <c>_lock</c>.</summary>
    private int TakePendingRead()
    {
        var n = _pendingFilled;
        _pendingRead = default;
        _pendingFilled = 0;
        if (n == 0) return 0;
        _buffered -= n;
        _session.ReceiveBudget.AddBuffered(-n);
        var update = TakeWindowUpdate(n);
        if (update != 0) _session.QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, update));
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            int n;
            Task wait;
            lock (_lock)
            {
                if (_reset) throw new YamuxException(_failure ?? $"yamux: stream {Id} was reset", reset: true);
                if (_abandoned) throw Disposed();
                if (_localClosed) throw new YamuxException($"yamux: stream {Id} write side is closed");
                if (_sendWindow > 0)
                {
                    n = (int)Math.Min(Math.Min(buffer.Length, _sendWindow), _session.MaxDataWrite);
                    _sendWindow -= n;
                    wait = Task.CompletedTask;
                }
                else
                {
                    n = 0;
                    _writeWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _writeWaiter.Task;
                }
            }
            if (n == 0)
            {
                await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            await _session.WriteFrameAsync(new YamuxHeader(YamuxFrameType.Data, YamuxFlags.None, Id, (uint)n), buffer[..n], cancellationToken).ConfigureAwait(false);
            _session.ArmLivenessProbe();
            buffer = buffer[n..];
        }
    }

    /// <summary>Half-closes: the remote reads end-of-stream; we can still read.</summary>
    public async ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_localClosed || _reset) return;
            _localClosed = true;
        }
        try
        {
            await _session.WriteFrameAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0), default, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The FIN is owed whatever the caller's token: the control queue sends it (after our data, all written already).
            _session.QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, Id, 0));
            throw;
        }
        finally
        {
            lock (_lock) _finWritten = true;
            _session.ForgetIfFinished(this);
        }
    }

    /// <summary>Aborts both directions; the remote sees RST.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            if (_reset || (_localClosed && _remoteClosed)) return;
            _reset = true;
            _failure = $"yamux: stream {Id} was reset locally";
            ReleaseBuffers();
            WakeAll();
        }
        _session.QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, Id, 0));
        _session.ForgetIfFinished(this);
    }

    // ---- called by the session's read loop ----

    /// <summary>Reserves window for an incoming Data frame; false when the peer overran the window we granted.</summary>
    internal bool TryReserve(uint length)
    {
        lock (_lock)
        {
            if (length > _receiveCredit) return false;
            _receiveCredit -= length;
            _incoming += length;
            return true;
        }
    }

    internal void Deliver(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            _incoming -= data.Length;
            if (_reset) return;
            if (_abandoned)
            {
                // Nobody will read: hand the window straight back so the sender can finish and FIN.
                _receiveCredit += data.Length;
                _session.QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, (uint)data.Length));
                return;
            }
            if (_pendingFilled < _pendingRead.Length && _segments.Count == 0)
            {
                var direct = Math.Min(data.Length, _pendingRead.Length - _pendingFilled);
                data[..direct].CopyTo(_pendingRead.Span[_pendingFilled..]);
                _pendingFilled += direct;
                _buffered += direct;
                _session.ReceiveBudget.AddBuffered(direct);
                data = data[direct..];
            }
            while (data.Length > 0)
            {
                if (_tail is null || _tail.Full)
                {
                    _tail = new YamuxReceiveSegment(ArrayPool<byte>.Shared.Rent(Math.Clamp(data.Length, YamuxReceiveSegment.MinSize, YamuxReceiveSegment.Size)));
                    _segments.Enqueue(_tail);
                }
                var n = _tail.Append(data);
                data = data[n..];
                _buffered += n;
                _session.ReceiveBudget.AddBuffered(n);
            }
            Wake(ref _readWaiter);
        }
    }

    internal void ApplyFlags(YamuxFlags flags)
    {
        if ((flags & YamuxFlags.Rst) != 0)
        {
            lock (_lock)
            {
                if (_reset) return;
                _reset = true;
                _failure = $"yamux: stream {Id} was reset by the remote";
                ReleaseBuffers();
                WakeAll();
            }
            return;
        }
        if ((flags & YamuxFlags.Fin) != 0)
        {
            lock (_lock)
            {
                _remoteClosed = true;
                SyncReservation();
                Wake(ref _readWaiter);
            }
        }
    }

    internal void AddSendWindow(uint delta)
    {
        if (delta == 0) return;
        lock (_lock)
        {
            _sendWindow += delta;
            Wake(ref _writeWaiter);
        }
    }

    internal void Fail(string reason)
    {
        lock (_lock)
        {
            if (_reset) return;
            _reset = true;
            _failure = reason;
            ReleaseBuffers();
            WakeAll();
        }
    }

    private int CopyOut(Span<byte> destination)
    {
        var total = 0;
        while (destination.Length > 0 && _segments.Count > 0)
        {
            var head = _segments.Peek();
            var n = head.CopyTo(destination);
            destination = destination[n..];
            total += n;
            if (head.Empty)
            {
                _segments.Dequeue();
                if (ReferenceEquals(head, _tail)) _tail = null;
                ArrayPool<byte>.Shared.Return(head.Array);
            }
        }
        _buffered -= total;
        _session.ReceiveBudget.AddBuffered(-total);
        return total;
    }

    /// <summary>Counts bytes read and returns the window update to send now (0 for none).</summary>
    private uint TakeWindowUpdate(int read)
    {
        _consumed += read;
        SyncReservation();
        if (_remoteClosed || _consumed < _receiveWindow / 2) return 0;
        var options = _session.Options;
        var now = options.TimeProvider.GetTimestamp();
        var elapsed = options.TimeProvider.GetElapsedTime(_lastUpdateTicks, now);
        var rtt = _session.Rtt > options.MinRttForWindowGrowth ? _session.Rtt : options.MinRttForWindowGrowth;
        long target = _receiveWindow;
        if (elapsed < 4 * rtt && _receiveWindow < options.MaxStreamWindow)
        {
            // The window drained within a few round trips: the sender is window-bound, so double it.
            target = (long)Math.Min((ulong)_receiveWindow * 2, options.MaxStreamWindow);
        }
        // Credit + unread + read-since-the-last-update is the window; what may be promised again is up
        // to the budget. The reservation already covers the initial window, so that much is always granted.
        var held = _receiveCredit + _incoming + _buffered;
        if (target > _reserved) _reserved = _session.ReceiveBudget.GrowUpTo(_reserved, target);
        var window = Math.Min(target, _reserved);
        _lastUpdateTicks = now;
        _consumed = 0;
        _receiveWindow = (uint)window;
        var delta = window - held;
        if (delta <= 0) return 0;
        _receiveCredit += delta;
        return (uint)delta;
    }

    /// <summary>
    /// What the stream holds against the session budget: while the peer may still send, its credit
    /// plus unread bytes, and never less than the initial window it may always use; after the peer's
    /// FIN only the unread bytes; nothing once reset or abandoned. Only releases here: growth goes
    /// through <see cref="YamuxReceiveBudget.GrowUpTo"/>. Called under <c>_lock</c>.
    /// </summary>
    private void SyncReservation()
    {
        var need = _reset || _abandoned ? 0 : _remoteClosed ? _buffered + _incoming : Math.Max(_receiveCredit + _incoming + _buffered, YamuxOptions.InitialWindow);
        if (need == _reserved) return;
        _session.ReceiveBudget.AddCommitted(need - _reserved);
        _reserved = need;
    }

    private void ReleaseBuffers()
    {
        // Like buffered bytes, what was copied into a waiting reader's buffer is dropped (it is not returned).
        _pendingRead = default;
        _pendingFilled = 0;
        while (_segments.Count > 0) ArrayPool<byte>.Shared.Return(_segments.Dequeue().Array);
        _tail = null;
        _session.ReceiveBudget.AddBuffered(-_buffered);
        _buffered = 0;
        SyncReservation();
    }

    private YamuxException Disposed() => new($"yamux: stream {Id} was closed locally");

    private void WakeAll()
    {
        Wake(ref _readWaiter);
        Wake(ref _writeWaiter);
    }

    private static void Wake(ref TaskCompletionSource? waiter)
    {
        var w = waiter;
        waiter = null;
        w?.TrySetResult();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Graceful close: FIN our side; unread and future inbound bytes are dropped (window still
    /// credited so the remote can finish), and the stream is forgotten once the remote FINs too.
    /// A read or write still waiting (another caller's) ends with a <see cref="YamuxException"/>, as
    /// a socket's does when it is closed under it — it would otherwise wait for the remote.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _abandoned = true;
            var unread = _buffered;
            ReleaseBuffers();
            WakeAll();
            if (unread > 0 && !_reset && !_remoteClosed)
            {
                _receiveCredit += unread;
                _session.QueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.None, Id, (uint)unread));
            }
        }
        try
        {
            await CloseWriteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The session is gone; nothing left to close.
        }
        _session.ForgetIfFinished(this);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
