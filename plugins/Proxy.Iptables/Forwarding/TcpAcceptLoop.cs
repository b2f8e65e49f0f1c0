namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Accepts on one listening socket and hands each connection to the forwarder (or to a handler of its own).</summary>
public sealed class TcpAcceptLoop : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Action<Socket> _dispatch;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly IAsyncDisposable? _onLoop;

    /// <summary>Starts accepting on a bound, listening socket.</summary>
    /// <param name="listener">The socket; owned from here on.</param>
    /// <param name="resolve">Maps an accepted socket to its service port; null closes it.</param>
    /// <param name="forwarder">The forwarder.</param>
    /// <param name="scope">Tracks handlers.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="dedicatedThread">
    /// Accept on a thread of its own, blocked in <c>accept(2)</c>: the kernel wakes it directly, where an
    /// awaited accept costs two wake-ups per connection (the socket engine's epoll thread, then a
    /// thread-pool worker). Worth a thread for a listener that takes every connection (iptables mode's
    /// one redirect listener), not for one listener per service port.
    /// </param>
    /// <remarks>
    /// With the forwarder's event loop (<see cref="TcpForwarder.Loop"/>), the loop accepts instead of
    /// a thread or a task: accept, dial and relay then run on one thread, without hand-offs.
    /// </remarks>
    public TcpAcceptLoop(Socket listener, Func<Socket, ServicePortEntry?> resolve, TcpForwarder forwarder, ConnectionScope scope, ILogger logger, bool dedicatedThread = false)
        : this(listener, accepted => Forward(accepted, resolve, forwarder, scope, logger), logger, dedicatedThread, prepare: true, forwarder.Loop)
    {
    }

    /// <summary>Starts accepting on a bound, listening socket; <paramref name="dispatch"/> takes each accepted socket (and must not block).</summary>
    public TcpAcceptLoop(Socket listener, Action<Socket> dispatch, ILogger logger)
        : this(listener, dispatch, logger, dedicatedThread: false, prepare: false, loop: null)
    {
    }

    private TcpAcceptLoop(Socket listener, Action<Socket> dispatch, ILogger logger, bool dedicatedThread, bool prepare, SocketLoop? loop)
    {
        _listener = listener;
        _dispatch = dispatch;
        _logger = logger;
        // Each accepted socket inherits these instead of paying two system calls of its own.
        if (prepare) SocketConnection.PrepareListener(listener);
        if (loop is not null)
        {
            _onLoop = loop.Accept(listener, dispatch);
            _loop = Task.CompletedTask;
            return;
        }
        if (!dedicatedThread)
        {
            _loop = Task.Run(RunAsync);
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop = done.Task;
        new Thread(() =>
        {
            try
            {
                RunBlocking();
            }
            finally
            {
                done.SetResult();
            }
        })
        { IsBackground = true, Name = "proxy accept" }.Start();
    }

    /// <summary>The bound port.</summary>
    public int Port => ((System.Net.IPEndPoint)_listener.LocalEndPoint!).Port;

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }

            _dispatch(accepted);
        }
    }

    private void RunBlocking()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                // The listener was never used asynchronously, so it is a blocking socket; disposing it
                // (DisposeAsync) shuts it down, which ends the wait.
                accepted = _listener.Accept();
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                continue;
            }
            catch (SocketException ex)
            {
                if (_stop.IsCancellationRequested) return;
                // E.g. out of descriptors: the thread must not die with it (that would end the
                // process); the next accept may succeed once connections close.
                _logger.HandlerFailed(ex);
                Thread.Sleep(10);
                continue;
            }

            _dispatch(accepted);
        }
    }

    // Runs the handler inline up to its first wait (the endpoint's connect), then returns to accepting.
    private static void Forward(Socket accepted, Func<Socket, ServicePortEntry?> resolve, TcpForwarder forwarder, ConnectionScope scope, ILogger logger)
    {
        var entry = resolve(accepted);
        if (entry is null)
        {
            logger.NoService(accepted.LocalEndPoint?.ToString() ?? "?");
            new SocketConnection(accepted, abortiveAlready: true).Abort();
            return;
        }
        scope.Track(forwarder.HandleAsync(accepted, entry, scope.Token, fromPreparedListener: true));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_onLoop is not null) await _onLoop.DisposeAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
