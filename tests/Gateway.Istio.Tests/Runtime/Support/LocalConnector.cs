namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

/// <summary>
/// A small real <see cref="IServiceConnector"/> for the tests: each (service, port) has local
/// endpoints, taken in turn, connected with real sockets. An unknown service is NoService, an empty
/// list NoEndpoints, a refused connection Unreachable — the outcomes the proxy's connector gives.
/// </summary>
internal sealed class LocalConnector : IServiceConnector
{
    private readonly Dictionary<(ServiceKey, int), List<IPEndPoint>> _endpoints = [];
    private int _next;
    private int _connects;

    /// <summary>Connections opened so far.</summary>
    public int Connects => Volatile.Read(ref _connects);

    public void Set(ServiceKey service, int port, params IPEndPoint[] endpoints)
    {
        lock (_endpoints) _endpoints[(service, port)] = [.. endpoints];
    }

    public async ValueTask<ServiceConnectResult> ConnectAsync(ServiceKey service, int port, IPAddress? client, CancellationToken cancellationToken)
    {
        IPEndPoint endpoint;
        lock (_endpoints)
        {
            if (!_endpoints.TryGetValue((service, port), out var list)) return ServiceConnectResult.Failed(ServiceConnectFailure.NoService, $"{service} has no port {port}");
            if (list.Count == 0) return ServiceConnectResult.Failed(ServiceConnectFailure.NoEndpoints, $"{service}:{port} has no ready endpoint");
            endpoint = list[_next++ % list.Count];
        }
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return ServiceConnectResult.Failed(ServiceConnectFailure.Unreachable, $"{endpoint}: {e.SocketErrorCode}");
        }
        Interlocked.Increment(ref _connects);
        return new ServiceConnectResult(new Connection(socket, endpoint), ServiceConnectFailure.None, "");
    }

    private sealed class Connection(Socket socket, IPEndPoint endpoint) : IServiceConnection
    {
        public Stream Stream { get; } = new NetworkStream(socket, ownsSocket: true);

        public IPEndPoint Endpoint => endpoint;

        public string? NodeName => "test-node";

        public string Path => "local";

        public ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
        {
            socket.Shutdown(SocketShutdown.Send);
            return ValueTask.CompletedTask;
        }

        public void Abort()
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }

        public ValueTask DisposeAsync() => Stream.DisposeAsync();
    }
}
