using System.Text;
using PluginMesh.Plugins.Proxy.Iptables.Netns;
using PluginMesh.Plugins.Proxy.Iptables.Status;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// kube-proxy's health check node ports: for each service with <c>externalTrafficPolicy: Local</c> and
/// a <c>healthCheckNodePort</c>, an HTTP listener on that port that answers every request with how
/// many of the service's ready endpoints are on this node — 200 with one or more, 503 with none — so
/// that a load balancer in front sends the service's traffic only to nodes that serve it (the Local
/// policy resets what reaches a node without one). The body is kube-proxy's:
/// <c>{"service":{"namespace":"…","name":"…"},"localEndpoints":N,"serviceProxyHealthy":true}</c>.
/// <see cref="ReconcileAsync"/> is called from the reconcile loop only; <see cref="Status"/> from any thread.
/// </summary>
public sealed class HealthCheckServer(IPAddress bindAddress, ISocketFactory sockets, Func<ServiceTable> table, ProxyMetrics metrics, ILogger logger)
    : IAsyncDisposable
{
    private const int MaxRequestHead = 8192;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<int, Listener> _listeners = [];
    private volatile Dictionary<ServiceKey, Listener> _byService = [];

    /// <summary>The health check of <paramref name="service"/>, or null when it has none here.</summary>
    public HealthCheckStatus? Status(ServiceKey service) =>
        _byService.TryGetValue(service, out var l) ? new HealthCheckStatus(l.Port, LocalEndpoints(table(), service), l.Answered) : null;

    /// <summary>Opens a listener for each health check node port in <paramref name="current"/>, closes those gone or moved to another service.</summary>
    public async Task ReconcileAsync(ServiceTable current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var wanted = new Dictionary<int, ServiceKey>();
        foreach (var entry in current.Entries.Values)
        {
            if (entry.External && entry.Service is { ExternalTraffic: ExternalTrafficPolicy.Local, HealthCheckNodePort: int port }) wanted.TryAdd(port, entry.Key);
        }
        foreach (var (port, listener) in _listeners.ToList())
        {
            if (wanted.GetValueOrDefault(port) == listener.Service) continue;
            await listener.DisposeAsync().ConfigureAwait(false);
            _listeners.Remove(port);
        }
        foreach (var (port, service) in wanted)
        {
            if (_listeners.ContainsKey(port) || Bind(service, port) is not { } socket) continue;
            _listeners[port] = new Listener(this, socket, service, port, logger);
        }
        _byService = _listeners.Values.ToDictionary(l => l.Service);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners.Values) await listener.DisposeAsync().ConfigureAwait(false);
        _listeners.Clear();
        _byService = [];
    }

    // Ready endpoints of the service on this node: the backends of its external entries under the Local policy.
    private static int LocalEndpoints(ServiceTable current, ServiceKey service) =>
        current.Entries.Values.Where(e => e.External && e.Key == service).SelectMany(e => e.Balancer.Backends)
            .Where(b => b.Local).Select(b => b.EndPoint.Address).Distinct().Count();

    private Socket? Bind(ServiceKey service, int port)
    {
        var socket = sockets.Create(bindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(bindAddress, port));
            socket.Listen(64);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            logger.ListenerFailed($"{service} health check node port {port}", ex.Message);
            return null;
        }
    }

    // What service's listener answers now (counted).
    private byte[] Respond(ServiceKey service)
    {
        var local = LocalEndpoints(table(), service);
        metrics.HealthCheck(service.ToString(), local > 0);
        return Answer(service, local);
    }

    /// <summary>The answer to one request: status line, headers and body.</summary>
    internal static byte[] Answer(ServiceKey service, int localEndpoints)
    {
        var body = $$"""{"service":{"namespace":"{{service.Namespace}}","name":"{{service.Name}}"},"localEndpoints":{{localEndpoints}},"serviceProxyHealthy":true}""";
        var status = localEndpoints > 0 ? "200 OK" : "503 Service Unavailable";
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n" +
            $"X-Load-Balancing-Endpoint-Weight: {localEndpoints}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}");
    }

    private sealed class Listener : IAsyncDisposable
    {
        private readonly HealthCheckServer _owner;
        private readonly CancellationTokenSource _stop = new();
        private readonly TcpAcceptLoop _accept;
        private long _answered;

        public Listener(HealthCheckServer owner, Socket socket, ServiceKey service, int port, ILogger logger)
        {
            _owner = owner;
            Service = service;
            Port = port;
            _accept = new TcpAcceptLoop(socket, client => _ = AnswerAsync(client), logger);
        }

        public ServiceKey Service { get; }

        public int Port { get; }

        public long Answered => Interlocked.Read(ref _answered);

        // Reads the request head (any method and path, as kube-proxy answers), answers, closes.
        private async Task AnswerAsync(Socket client)
        {
            using (client)
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(RequestTimeout);
                    var head = new byte[MaxRequestHead];
                    var length = 0;
                    while (length < head.Length && head.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
                    {
                        var n = await client.ReceiveAsync(head.AsMemory(length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                        if (n == 0) return;
                        length += n;
                    }
                    var answer = _owner.Respond(Service);
                    Interlocked.Increment(ref _answered); // before it is sent: a prober that read it sees it counted
                    await client.SendAsync(answer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    client.Shutdown(SocketShutdown.Send);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    // The prober went away or stalled: nothing to answer.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _accept.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
