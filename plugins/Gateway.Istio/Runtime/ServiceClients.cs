using System.Collections.Concurrent;
using System.Net.Http;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// One <see cref="HttpMessageInvoker"/> per destination (service, port), whose pooled connections are
/// opened by <see cref="IServiceConnector"/> — the proxy's endpoint choice, failover and paths — and
/// tried again by <see cref="RetryHandler"/>. Thread-safe.
/// </summary>
internal sealed class ServiceClients(IServiceConnector? connector, GatewayMetrics metrics, string clusterDomain) : IDisposable
{
    /// <summary>The original client's address, for the connector's session affinity.</summary>
    public static readonly HttpRequestOptionsKey<IPAddress> ClientKey = new("gateway.istio.client");

    private readonly ConcurrentDictionary<(ServiceKey Service, int Port), Client> _clients = new();

    /// <summary>An invoker for <paramref name="service"/>:<paramref name="port"/> and the URL prefix of its requests.</summary>
    public Client Get(ServiceKey service, int port) => _clients.GetOrAdd((service, port), key => Create(key.Service, key.Port));

    /// <summary>Destinations with an invoker now.</summary>
    public IReadOnlyCollection<(ServiceKey Service, int Port)> Destinations => [.. _clients.Keys];

    /// <summary>Drops the invokers of destinations <paramref name="config"/> no longer names, after <paramref name="drain"/> (requests under way finish).</summary>
    public void Prune(GatewayConfig config, TimeSpan drain)
    {
        var used = config.Listeners.Values.SelectMany(l => l.HttpRoutes)
            .SelectMany(r => r.Destinations.Concat(r.Mirrors?.Select(m => m.Destination) ?? []))
            .Select(d => (d.Service, d.Port)).ToHashSet();
        foreach (var key in _clients.Keys)
        {
            if (used.Contains(key) || !_clients.TryRemove(key, out var client)) continue;
            _ = Task.Delay(drain).ContinueWith(_ => client.Invoker.Dispose(), TaskScheduler.Default);
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Invoker.Dispose();
        _clients.Clear();
    }

    private Client Create(ServiceKey service, int port)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(service, port, context, cancellationToken),
        };
        var prefix = $"http://{service.Name}.{service.Namespace}.svc.{clusterDomain}:{port.ToString(CultureInfo.InvariantCulture)}";
        return new Client(new HttpMessageInvoker(new RetryHandler(handler, metrics), disposeHandler: true), prefix,
            $"outbound|{port.ToString(CultureInfo.InvariantCulture)}||{service.Name}.{service.Namespace}.svc.{clusterDomain}");
    }

    private async ValueTask<Stream> ConnectAsync(ServiceKey service, int port, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (connector is null) throw new UpstreamException(503, "UF", "no service connector on this node (enable proxy.iptables)", true);
        context.InitialRequestMessage.Options.TryGetValue(ClientKey, out var client);
        var result = await connector.ConnectAsync(service, port, client, cancellationToken).ConfigureAwait(false);
        if (result.Connection is not { } connection) throw UpstreamException.From(result, service, port);
        return new ConnectionStream(connection);
    }

    /// <summary>A destination's invoker.</summary>
    /// <param name="Invoker">Sends requests (pooled connections, retries).</param>
    /// <param name="Prefix">Scheme, host and port of its request URLs.</param>
    /// <param name="Cluster">Envoy-style cluster name for the access log.</param>
    public sealed record Client(HttpMessageInvoker Invoker, string Prefix, string Cluster);
}
