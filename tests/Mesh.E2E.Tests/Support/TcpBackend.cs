using System.Net;
using System.Net.Sockets;

namespace PluginMesh.Mesh.E2E.Tests.Support;

/// <summary>
/// A TCP server inside a namespace on an endpoint IP: binds, accepts until disposed and hands each
/// connection to <see cref="ServeAsync"/>. The backends differ only in how they serve a connection.
/// </summary>
internal abstract class TcpBackend : IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();

    protected TcpBackend(NetnsSockets sockets, IPEndPoint endpoint, string name, int backlog)
    {
        Name = name;
        _listener = sockets.Tcp();
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endpoint);
        _listener.Listen(backlog);
        _ = AcceptAsync();
    }

    public string Name { get; }

    /// <summary>Serves one accepted connection (owned: dispose it); <paramref name="stop"/> ends with the backend.</summary>
    protected abstract Task ServeAsync(Socket s, CancellationToken stop);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ServeAsync(s, _stop.Token);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }
}
