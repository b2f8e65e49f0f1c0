using System.Buffers;
using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>One relayed connection on the loop, and each of its two directions.</summary>
public sealed partial class SocketLoop
{
    private sealed class Relay(SocketLoop loop, Socket client, Socket upstream, IByteCounter counters, bool zeroCopy) : Operation(loop)
    {
        private readonly Direction _up = new(inbound: true, zeroCopy);
        private readonly Direction _down = new(inbound: false, zeroCopy);
        private bool _clientRef;
        private bool _upstreamRef;
        private bool _started;
        private bool _finished;
        private bool _queued;

        // Continuations run on the loop: the forwarder's clean-up is a few system calls.
        public TaskCompletionSource<bool> Done { get; } = new();

        public override void Run()
        {
            if (_finished) return;
            if (Cancelled)
            {
                Finish(clean: false);
                return;
            }
            if (_started) return;
            _started = true;
            Interlocked.Increment(ref Loop._relays);
            Interlocked.Increment(ref Loop._active);
            Slot = Loop.TakeSlot(this);
            client.SafeHandle.DangerousAddRef(ref _clientRef);
            upstream.SafeHandle.DangerousAddRef(ref _upstreamRef);
            var c = (int)client.SafeHandle.DangerousGetHandle();
            var u = (int)upstream.SafeHandle.DangerousGetHandle();
            _up.From = _down.To = c;
            _up.To = _down.From = u;
            // Adding a socket that is already readable reports it at once: the first turn reads what is waiting.
            if (!Loop.Register(c, KeyOf(Slot, Generation, client: true)) || !Loop.Register(u, KeyOf(Slot, Generation, client: false)))
                Finish(clean: false);
        }

        public override void OnEvents(uint events, bool client)
        {
            if (_finished) return;
            var readable = (events & (EpollIn | EpollErr | EpollHup)) != 0;
            var writable = (events & (EpollOut | EpollErr | EpollHup)) != 0;
            // This socket's reads feed one direction; its room to write drains the other's leftovers.
            var reading = client ? _up : _down;
            var writing = client ? _down : _up;
            if (readable) Pump(reading);
            if (!_finished && writable && writing.HasPending) Pump(writing);
        }

        public void Resume()
        {
            _queued = false;
            if (_finished) return;
            if (_up.Yielded) Pump(_up);
            if (!_finished && _down.Yielded) Pump(_down);
        }

        public override void Abandon() => Finish(clean: false);

        private void Pump(Direction d)
        {
            d.Yielded = false;
            var state = d.Move(Loop._scratch, counters);
            if (state == Flow.Failed)
            {
                Finish(clean: false);
                return;
            }
            if (state == Flow.Yielded && !_queued)
            {
                _queued = true;
                Loop._again.Enqueue(this);
            }
            if (_up.Ended && _down.Ended) Finish(clean: true);
        }

        private void Finish(bool clean)
        {
            if (_finished) return;
            _finished = true;
            Unwatch();
            if (_started)
            {
                Interlocked.Decrement(ref Loop._active);
                Loop.FreeSlot(Slot);
                Loop._registered.Remove(_up.From);
                Loop._registered.Remove(_up.To);
            }
            _up.Release();
            _down.Release();
            if (_clientRef) client.SafeHandle.DangerousRelease();
            if (_upstreamRef) upstream.SafeHandle.DangerousRelease();
            _clientRef = _upstreamRef = false;
            Done.TrySetResult(clean);
        }
    }

    private enum Flow
    {
        Waiting,
        Yielded,
        Ended,
        Failed,
    }

    /// <summary>One way of a relay: reads <see cref="From"/>, writes <see cref="To"/>.</summary>
    private sealed class Direction(bool inbound, bool zeroCopy)
    {
        private byte[]? _left;      // what To could not take yet
        private int _leftStart;
        private int _leftEnd;
        private int _pipeRead = -1;
        private int _pipeWrite = -1;
        private int _pipeCapacity;
        private int _inPipe;
        private bool _spliceTried = !zeroCopy;
        private bool _eof;

        public int From { get; set; } = -1;

        public int To { get; set; } = -1;

        public bool Ended { get; private set; }

        public bool Yielded { get; set; }

        public bool HasPending => _left is not null || _inPipe > 0;

        public Flow Move(byte[] scratch, IByteCounter counters)
        {
            if (Ended) return Flow.Ended;
            var budget = Budget;
            while (true)
            {
                // 1. What the destination could not take before.
                if (_left is not null)
                {
                    var n = Send(To, _left, _leftStart, _leftEnd - _leftStart);
                    if (n < 0) return n == -EAgain ? Flow.Waiting : Flow.Failed;
                    counters.Add(inbound, n);
                    _leftStart += n;
                    if (_leftStart < _leftEnd) continue;
                    ArrayPool<byte>.Shared.Return(_left);
                    _left = null;
                }
                if (_inPipe > 0)
                {
                    var n = Splice(_pipeRead, To, _inPipe);
                    if (n < 0) return n == -EAgain ? Flow.Waiting : Flow.Failed;
                    counters.Add(inbound, n);
                    _inPipe -= n;
                    budget -= n;
                    continue;
                }
                if (_eof)
                {
                    _ = LibC.shutdown(To, ShutWr);  // ENOTCONN: the peer is gone; the other direction will see it
                    Ended = true;
                    return Flow.Ended;
                }
                if (budget <= 0)
                {
                    Yielded = true;
                    return Flow.Yielded;
                }

                // 2. Read more.
                if (_pipeRead >= 0)
                {
                    var n = Splice(From, _pipeWrite, _pipeCapacity);
                    if (n == 0) _eof = true;
                    else if (n < 0) return n == -EAgain ? Flow.Waiting : Flow.Failed;
                    else _inPipe = n;
                    continue;
                }
                var read = Receive(From, scratch);
                if (read == 0)
                {
                    _eof = true;
                    continue;
                }
                if (read < 0) return read == -EAgain ? Flow.Waiting : Flow.Failed;
                budget -= read;
                var sent = Send(To, scratch, 0, read);
                if (sent == -EAgain) sent = 0;
                else if (sent < 0) return Flow.Failed;
                counters.Add(inbound, sent);
                // A full scratch buffer means bulk data: from now on this direction goes through the kernel.
                if (read == scratch.Length && !_spliceTried) OpenPipe();
                if (sent < read)
                {
                    // The destination is full: keep the rest until it has room (its next EPOLLOUT).
                    _left = ArrayPool<byte>.Shared.Rent(read - sent);
                    scratch.AsSpan(sent, read - sent).CopyTo(_left);
                    _leftStart = 0;
                    _leftEnd = read - sent;
                    return Flow.Waiting;
                }
            }
        }

        public void Release()
        {
            if (_left is not null) ArrayPool<byte>.Shared.Return(_left);
            _left = null;
            if (_pipeRead >= 0) LibC.close(_pipeRead);
            if (_pipeWrite >= 0) LibC.close(_pipeWrite);
            _pipeRead = _pipeWrite = -1;
        }

        private void OpenPipe()
        {
            _spliceTried = true;
            if (KernelSplice.TryOpenPipe(out var read, out var write, out var capacity)) (_pipeRead, _pipeWrite, _pipeCapacity) = (read, write, capacity);
        }

        private static int Receive(int fd, byte[] buffer)
        {
            while (true)
            {
                var n = LibC.recv(fd, ref MemoryMarshal.GetArrayDataReference(buffer), (nuint)buffer.Length, MsgDontWait);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr) return -errno;
            }
        }

        private static int Send(int fd, byte[] buffer, int offset, int count)
        {
            while (true)
            {
                var n = LibC.send(fd, ref buffer[offset], (nuint)count, MsgDontWait | MsgNoSignal);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr) return -errno;
            }
        }

        private static int Splice(int from, int to, int count)
        {
            while (true)
            {
                var n = LibC.splice(from, IntPtr.Zero, to, IntPtr.Zero, (nuint)count, SpliceMove | SpliceNonBlock);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EIntr) return -errno;
            }
        }
    }
}
