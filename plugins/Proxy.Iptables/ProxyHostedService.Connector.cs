namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>The proxy as <see cref="IServiceConnector"/>: its table, balancers and dialer, once started.</summary>
public sealed partial class ProxyHostedService : IServiceConnector
{
    private volatile ServiceConnector? _connector;

    /// <inheritdoc />
    public ValueTask<ServiceConnectResult> ConnectAsync(ServiceKey service, int port, IPAddress? client, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _running && _connector is { } connector
            ? connector.ConnectAsync(service, port, client, cancellationToken)
            : ValueTask.FromResult(ServiceConnectResult.Failed(ServiceConnectFailure.NoService, $"proxy.iptables: cannot connect to {service}:{port}: the proxy is not running"));
    }
}
