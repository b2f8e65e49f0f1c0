namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>Accepts on one listening socket and hands each connection to the forwarder.</summary>
public sealed class TcpAcceptLoop : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, ServicePortEntry?> _resolve;
    private readonly TcpForwarder _forwarder;
    private readonly ConnectionScope _scope;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <summary>Starts accepting on a bound, listening socket.</summary>
    /// <param name="listener">The socket; owned from here on.</param>
    /// <param name="resolve">Maps an accepted socket to its service port; null closes it.</param>
    /// <param name="forwarder">The forwarder.</param>
    /// <param name="scope">Tracks handlers.</param>
    /// <param name="logger">Logger.</param>
    public TcpAcceptLoop(Socket listener, Func<Socket, ServicePortEntry?> resolve, TcpForwarder forwarder, ConnectionScope scope, ILogger logger)
    {
        _listener = listener;
        _resolve = resolve;
        _forwarder = forwarder;
        _scope = scope;
        _logger = logger;
        // Each accepted socket inherits these instead of paying two system calls of its own.
        SocketConnection.PrepareListener(listener);
        _loop = Task.Run(RunAsync);
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

            var entry = _resolve(accepted);
            if (entry is null)
            {
                _logger.NoService(accepted.LocalEndPoint?.ToString() ?? "?");
                new SocketConnection(accepted, abortiveAlready: true).Abort();
                continue;
            }
            _scope.Track(_forwarder.HandleAsync(accepted, entry, _scope.Token, fromPreparedListener: true));
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
