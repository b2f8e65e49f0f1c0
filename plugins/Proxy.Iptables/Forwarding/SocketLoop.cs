using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// The proxy's own event loop for connections between two sockets (an intercepted client and an
/// endpoint on this node): one thread waits in <c>epoll_wait</c> on every such socket and moves the
/// bytes itself — non-blocking <c>recv</c>/<c>send</c> through one scratch buffer, or
/// <c>LibC.splice(2)</c> through a pipe once a direction carries bulk data — and connects to the endpoint
/// the same way. Linux only (<see cref="Supported"/>).
/// </summary>
/// <remarks>
/// <para>
/// Why: through the runtime's socket engine every readiness event wakes its epoll thread, which hands
/// the continuation to a thread-pool worker — two wake-ups per event, and the workers spin before
/// they sleep. For short connections and request/response traffic those hand-offs were most of the
/// proxy's cost (bench/README.md, issue 16). Here the thread epoll wakes is the one that does the
/// work, as in HAProxy.
/// </para>
/// <para>
/// What runs on the loop thread: the system calls of the connections it carries, and the
/// continuation of a connect or a finished relay (the forwarder's few lines up to the next relay,
/// or its clean-up). The dialer leaves the loop before it asks the failover policy about a failed
/// connect, and so does a connection balanced by a script or bound for the tunnel. Sockets are registered edge-triggered; a direction moves
/// at most <see cref="Budget"/> bytes per turn before the others get theirs. An idle connection
/// holds no buffer: bytes a destination could not take yet are the only ones kept (a pooled buffer
/// per direction, returned once sent).
/// </para>
/// <para>
/// The loop holds a reference on each socket's handle while it uses it, so a socket disposed
/// meanwhile cannot have its descriptor reused under the loop; events for a finished operation are
/// told apart by a generation number and dropped.
/// </para>
/// </remarks>
public sealed partial class SocketLoop : IDisposable
{
    /// <summary>Bytes one direction moves per turn before yielding to the others.</summary>
    public const int Budget = 512 * 1024;

    private const int ScratchSize = 64 * 1024;
    private const int MaxEvents = 256;
    private const uint EpollIn = 0x1, EpollOut = 0x4, EpollErr = 0x8, EpollHup = 0x10, EpollEt = 1u << 31;
    private const int CtlAdd = 1, CtlDel = 2, CtlMod = 3;
    private const int Cloexec = 0x80000, NonBlock = 0x800;
    private const int MsgDontWait = 0x40, MsgNoSignal = 0x4000;
    private const int EIntr = 4, EAgain = 11, ENoEnt = 2, EExist = 17, EInProgress = 115;
    private const int SolSocket = 1, SoError = 4, ShutWr = 1;
    private const uint SpliceMove = 1, SpliceNonBlock = 2;
    private const ulong WakeKey = ulong.MaxValue;

    // struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16 bytes).
    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;
    private static readonly int EventSize = Packed ? 12 : 16;
    private static readonly int DataOffset = Packed ? 4 : 8;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<Operation> _posted = new();
    private readonly byte[] _events;
    private readonly byte[] _ctl;
    private readonly byte[] _scratch = new byte[ScratchSize];
    private readonly List<Operation?> _slots = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly HashSet<int> _registered = [];
    private readonly Queue<Relay> _again = new();
    private int _sleeping;
    private volatile bool _stopping;
    private bool _closed;
    private long _relays;
    private long _connects;
    private int _active;

    /// <summary>Whether this platform can run the loop (Linux, x64 or arm64).</summary>
    public static bool Supported { get; } = OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Opens the loop and starts its thread.</summary>
    /// <exception cref="PlatformNotSupportedException">Not <see cref="Supported"/>.</exception>
    /// <exception cref="IOException">The kernel refused an epoll instance or an eventfd.</exception>
    public SocketLoop(ILogger logger)
    {
        if (!Supported) throw new PlatformNotSupportedException("the proxy's event loop needs Linux on x64 or arm64");
        _logger = logger;
        _events = new byte[MaxEvents * EventSize];
        _ctl = new byte[EventSize];
        _epoll = LibC.epoll_create1(Cloexec);
        if (_epoll < 0) throw Error("epoll_create1");
        _wake = LibC.eventfd(0, Cloexec | NonBlock);
        if (_wake < 0)
        {
            var error = Error("eventfd");
            LibC.close(_epoll);
            throw error;
        }
        if (Control(CtlAdd, _wake, EpollIn, WakeKey) != 0)
        {
            var error = Error("epoll_ctl(eventfd)");
            LibC.close(_wake);
            LibC.close(_epoll);
            throw error;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "proxy loop" };
        _thread.Start();
    }

    /// <summary>True on the loop's own thread: code that may take long (a tunnel dial, a script policy) leaves it first.</summary>
    public bool OnLoopThread => Thread.CurrentThread == _thread;

    /// <summary>Connections being relayed now.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Connections relayed since start.</summary>
    public long Relays => Interlocked.Read(ref _relays);

    /// <summary>Connects made on the loop since start.</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>
    /// Connects <paramref name="socket"/> (a new TCP socket, made non-blocking here) to
    /// <paramref name="endPoint"/>. Fails with a <see cref="SocketException"/> naming the error, or
    /// <see cref="OperationCanceledException"/>; the caller disposes the socket then.
    /// </summary>
    public Task ConnectAsync(Socket socket, IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(endPoint);
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_stopping, this);
        socket.Blocking = false;
        Interlocked.Increment(ref _connects);
        // LibC.connect(2) itself: the runtime's Connect reports EINPROGRESS as an exception, a costly way to say "pending".
        Span<byte> address = stackalloc byte[28];
        var length = SocketAddress(endPoint, address);
        var handle = socket.SafeHandle;
        var added = false;
        int result, errno = 0;
        try
        {
            handle.DangerousAddRef(ref added);
            do
            {
                result = LibC.connect((int)handle.DangerousGetHandle(), ref MemoryMarshal.GetReference(address), length);
                if (result != 0) errno = Marshal.GetLastPInvokeError();
            }
            while (result != 0 && errno == EIntr);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        if (result == 0) return Task.CompletedTask;  // done inside LibC.connect(2)
        if (errno != EInProgress) return Task.FromException(SocketErrorOf(errno));
        var pending = new Connect(this, socket);
        pending.Watch(cancellationToken);
        Post(pending);
        return pending.Done.Task;
    }

    /// <summary>
    /// Moves bytes both ways between two connected sockets until both directions ended (true: each
    /// end of stream was passed on as a half-close) or one failed or <paramref name="cancellationToken"/>
    /// fired (false; the caller aborts both). The sockets stay the caller's to dispose, after this ends.
    /// </summary>
    /// <param name="client">The accepted socket.</param>
    /// <param name="upstream">The endpoint's socket.</param>
    /// <param name="counters">Bytes moved (in = client → upstream).</param>
    /// <param name="zeroCopy">Let a direction that carries bulk data move through <c>LibC.splice(2)</c>.</param>
    /// <param name="cancellationToken">Ends the relay (agent stop).</param>
    public Task<bool> RelayAsync(Socket client, Socket upstream, IByteCounter counters, bool zeroCopy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(counters);
        if (_stopping || cancellationToken.IsCancellationRequested) return Task.FromResult(false);
        client.Blocking = false;
        upstream.Blocking = false;
        var relay = new Relay(this, client, upstream, counters, zeroCopy);
        relay.Watch(cancellationToken);
        Post(relay);
        return relay.Done.Task;
    }

    /// <summary>
    /// Accepts on <paramref name="listener"/> (a bound, listening socket, made non-blocking here) on
    /// the loop's thread and hands each connection to <paramref name="dispatch"/> there, which must
    /// not block: connections are then accepted, dialed and relayed by one thread, with no hand-off
    /// between threads at all. Disposing the result stops accepting (the listener stays the caller's).
    /// </summary>
    public IAsyncDisposable Accept(Socket listener, Action<Socket> dispatch)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(dispatch);
        ObjectDisposedException.ThrowIf(_stopping, this);
        listener.Blocking = false;
        var acceptor = new Acceptor(this, listener, dispatch);
        Post(acceptor);
        return acceptor;
    }

    private void Post(Operation operation)
    {
        _posted.Enqueue(operation);
        if (Volatile.Read(ref _closed))
        {
            // Posted after the loop ended: nothing will run it.
            while (_posted.TryDequeue(out var late)) late.Abandon();
            return;
        }
        if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            long one = 1;
            _ = LibC.write(_wake, ref one, 8);
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            try
            {
                Turn();
            }
#pragma warning disable CA1031 // The loop must outlive a bug in one operation; that operation fails, the others go on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.HandlerFailed(ex);
            }
        }
        Shutdown();
    }

    private void Turn()
    {
        while (_posted.TryDequeue(out var posted)) Guard(posted, static op => op.Run());

        var timeout = -1;
        if (_again.Count > 0) timeout = 0;
        else
        {
            Interlocked.Exchange(ref _sleeping, 1);
            if (!_posted.IsEmpty || _stopping) timeout = 0;
        }
        var n = LibC.epoll_wait(_epoll, _events, MaxEvents, timeout);
        Volatile.Write(ref _sleeping, 0);
        if (n < 0)
        {
            if (Marshal.GetLastPInvokeError() != EIntr) throw Error("epoll_wait");
            n = 0;
        }

        // Directions that used up their budget last turn go before the new events.
        for (var pending = _again.Count; pending > 0; pending--) Guard(_again.Dequeue(), static op => ((Relay)op).Resume());

        for (var i = 0; i < n; i++)
        {
            var at = i * EventSize;
            var events = BinaryPrimitives.ReadUInt32LittleEndian(_events.AsSpan(at));
            var key = BinaryPrimitives.ReadUInt64LittleEndian(_events.AsSpan(at + DataOffset));
            if (key == WakeKey)
            {
                long drained = 0;
                _ = LibC.read(_wake, ref drained, 8);
                continue;
            }
            var slot = (int)(key & 0x7fff_ffff);
            var generation = (uint)(key >> 32);
            if (slot >= _slots.Count || _slots[slot] is not { } op || op.Generation != generation) continue;  // finished meanwhile
            try
            {
                op.OnEvents(events, client: (key & 0x8000_0000) != 0);
            }
#pragma warning disable CA1031 // One operation's bug ends that operation, never the loop or the other events of this turn.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Failed(op, ex);
            }
        }
    }

    private void Guard(Operation op, Action<Operation> action)
    {
        try
        {
            action(op);
        }
#pragma warning disable CA1031 // As above.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Failed(op, ex);
        }
    }

    private void Failed(Operation op, Exception ex)
    {
        _logger.HandlerFailed(ex);
        try
        {
            op.Abandon();
        }
#pragma warning disable CA1031 // Logged; the loop goes on.
        catch (Exception again)
#pragma warning restore CA1031
        {
            _logger.HandlerFailed(again);
        }
    }

    private void Shutdown()
    {
        Volatile.Write(ref _closed, true);
        while (_posted.TryDequeue(out var op)) op.Abandon();
        foreach (var op in _slots.ToArray()) op?.Abandon();
        LibC.close(_wake);
        LibC.close(_epoll);
    }

    /// <summary>Stops the thread; operations still running fail (relays end as aborted).</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Interlocked.Exchange(ref _sleeping, 0);
        long one = 1;
        _ = LibC.write(_wake, ref one, 8);
        if (Thread.CurrentThread != _thread) _thread.Join();
    }

    private int TakeSlot(Operation op)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        _slots[slot] = op;
        return slot;
    }

    private int AddSlot()
    {
        _slots.Add(null);
        return _slots.Count - 1;
    }

    private void FreeSlot(int slot)
    {
        _slots[slot] = null;
        _freeSlots.Push(slot);
    }

    private int Control(int op, int fd, uint events, ulong key)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_ctl, events);
        BinaryPrimitives.WriteUInt64LittleEndian(_ctl.AsSpan(DataOffset), key);
        return LibC.epoll_ctl(_epoll, op, fd, _ctl);
    }

    // Adds fd to the epoll set (or re-points it, when a connect on this loop registered it).
    private bool Register(int fd, ulong key)
    {
        const uint events = EpollIn | EpollOut | EpollEt;
        var op = _registered.Contains(fd) ? CtlMod : CtlAdd;
        if (Control(op, fd, events, key) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // The set is a hint: a descriptor closed and reused since is known to epoll or not, whatever it says.
            if (!(op == CtlMod && errno == ENoEnt || op == CtlAdd && errno == EExist)) return false;
            if (Control(op == CtlMod ? CtlAdd : CtlMod, fd, events, key) != 0) return false;
        }
        _registered.Add(fd);
        return true;
    }

    private static ulong KeyOf(int slot, uint generation, bool client) =>
        (ulong)generation << 32 | (client ? 0x8000_0000u : 0u) | (uint)slot;

    // struct sockaddr_in / sockaddr_in6 (Linux layout; family in host order, port in network order).
    private static int SocketAddress(IPEndPoint endPoint, Span<byte> into)
    {
        into.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(into[2..], (ushort)endPoint.Port);
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(into, 2);  // AF_INET
            endPoint.Address.TryWriteBytes(into.Slice(4, 4), out _);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(into, 10);  // AF_INET6
        endPoint.Address.TryWriteBytes(into.Slice(8, 16), out _);
        BinaryPrimitives.WriteUInt32LittleEndian(into[24..], (uint)endPoint.Address.ScopeId);
        return 28;
    }

    // A connect's errno as the SocketError the runtime would have thrown (the dialer names the reason from it).
    private static SocketException SocketErrorOf(int errno) => new((int)(errno switch
    {
        111 => SocketError.ConnectionRefused,
        110 => SocketError.TimedOut,
        113 => SocketError.HostUnreachable,
        101 => SocketError.NetworkUnreachable,
        112 => SocketError.HostDown,
        100 => SocketError.NetworkDown,
        104 => SocketError.ConnectionReset,
        99 => SocketError.AddressNotAvailable,
        1 or 13 => SocketError.AccessDenied,
        _ => SocketError.SocketError,
    }));

    private static IOException Error(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}: {Marshal.GetPInvokeErrorMessage(errno)}", new SocketException(errno));
    }
}
