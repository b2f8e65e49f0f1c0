using System.Runtime.InteropServices;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>The loop's operations: a pending connect and a listener's accepts (relays: SocketLoop.Relay.cs).</summary>
public sealed partial class SocketLoop
{
    /// <summary>Something the loop runs: posted once, then woken by its sockets' events.</summary>
    private abstract class Operation(SocketLoop loop)
    {
        private static uint _generations;
        private CancellationTokenRegistration _cancel;

        protected SocketLoop Loop { get; } = loop;

        public uint Generation { get; } = Interlocked.Increment(ref _generations);

        protected int Slot { get; set; } = -1;

        // Set by the token's callback (any thread); acted on by the loop.
        protected volatile bool Cancelled;

        public void Watch(CancellationToken cancellationToken)
        {
            if (!cancellationToken.CanBeCanceled) return;
            _cancel = cancellationToken.UnsafeRegister(static s =>
            {
                var op = (Operation)s!;
                op.Cancelled = true;
                op.Loop.Post(op);
            }, this);
        }

        protected void Unwatch() => _cancel.Unregister();

        /// <summary>Posted: start, or act on a cancellation.</summary>
        public abstract void Run();

        public abstract void OnEvents(uint events, bool client);

        /// <summary>The loop is stopping.</summary>
        public abstract void Abandon();
    }

    private sealed class Connect(SocketLoop loop, Socket socket) : Operation(loop)
    {
        private bool _added;
        private bool _finished;

        // Continues on the loop: no hand-off before the relay starts.
        public TaskCompletionSource Done { get; } = new();

        public override void Run()
        {
            if (_finished) return;
            if (Cancelled)
            {
                Fail(null);
                return;
            }
            if (Slot >= 0) return;
            Slot = Loop.TakeSlot(this);
            var handle = socket.SafeHandle;
            handle.DangerousAddRef(ref _added);
            var fd = (int)handle.DangerousGetHandle();
            if (!Loop.Register(fd, KeyOf(Slot, Generation, client: false)))
            {
                Fail(SocketErrorOf(Marshal.GetLastPInvokeError()));
                return;
            }
        }

        public override void OnEvents(uint events, bool client)
        {
            if (_finished) return;
            var fd = (int)socket.SafeHandle.DangerousGetHandle();
            var error = 0;
            var length = sizeof(int);
            if (LibC.getsockopt(fd, SolSocket, SoError, ref error, ref length) != 0) error = Marshal.GetLastPInvokeError();
            if (error != 0) Fail(SocketErrorOf(error));
            else if ((events & EpollOut) != 0) Succeed();
        }

        public override void Abandon() => Fail(new ObjectDisposedException(nameof(SocketLoop)));

        private void Succeed()
        {
            End();
            Done.TrySetResult();
        }

        // exception null: cancelled. The dialer leaves the loop before it asks the failover policy.
        private void Fail(Exception? exception)
        {
            End();
            if (exception is null) Done.TrySetCanceled();
            else Done.TrySetException(exception);
        }

        private void End()
        {
            _finished = true;
            Unwatch();
            if (Slot >= 0) Loop.FreeSlot(Slot);
            if (_added) socket.SafeHandle.DangerousRelease();
            _added = false;
        }
    }

    private sealed class Acceptor(SocketLoop loop, Socket listener, Action<Socket> dispatch) : Operation(loop), IAsyncDisposable
    {
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _added;
        private bool _paused;

        public override void Run()
        {
            if (_stopped.Task.IsCompleted) return;
            if (Cancelled)
            {
                Abandon();
                return;
            }
            if (Slot < 0)
            {
                Slot = Loop.TakeSlot(this);
                listener.SafeHandle.DangerousAddRef(ref _added);
            }
            // Level-triggered: a connection left in the backlog is reported again on the next turn.
            var fd = (int)listener.SafeHandle.DangerousGetHandle();
            var op = _paused ? CtlMod : CtlAdd;
            _paused = false;
            if (Loop.Control(op, fd, EpollIn, KeyOf(Slot, Generation, client: false)) != 0) Loop._logger.HandlerFailed(Error("epoll_ctl(listener)"));
        }

        public override void OnEvents(uint events, bool client)
        {
            if (_stopped.Task.IsCompleted) return;
            Socket accepted;
            try
            {
                accepted = listener.Accept();
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. out of descriptors: stop asking for 10 ms instead of spinning on a backlog that cannot be taken.
                Loop._logger.HandlerFailed(ex);
                _paused = true;
                _ = Loop.Control(CtlMod, (int)listener.SafeHandle.DangerousGetHandle(), 0, KeyOf(Slot, Generation, client: false));
                _ = Task.Delay(10).ContinueWith(static (_, s) => { var a = (Acceptor)s!; a.Loop.Post(a); }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return;
            }
            try
            {
                dispatch(accepted);
            }
#pragma warning disable CA1031 // A bug in one connection's hand-over must not stop the listener: that connection is reset, the next accepted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Loop._logger.HandlerFailed(ex);
                new SocketConnection(accepted).Abort();
            }
        }

        public override void Abandon()
        {
            if (_stopped.Task.IsCompleted) return;
            if (Slot >= 0)
            {
                // Closing the listener (the caller's) would drop it from the set too; this stops events before that.
                _ = LibC.epoll_ctl(Loop._epoll, CtlDel, (int)listener.SafeHandle.DangerousGetHandle(), Loop._ctl);
                Loop.FreeSlot(Slot);
            }
            if (_added) listener.SafeHandle.DangerousRelease();
            _added = false;
            _stopped.TrySetResult();
        }

        public async ValueTask DisposeAsync()
        {
            Cancelled = true;
            Loop.Post(this);
            await _stopped.Task.ConfigureAwait(false);
        }
    }
}
