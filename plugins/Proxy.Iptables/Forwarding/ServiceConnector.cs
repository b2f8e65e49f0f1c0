namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// <see cref="IServiceConnector"/> over the proxy's own table and dialer: a connection opened here is
/// balanced, failed over, ejected and counted exactly as an intercepted ClusterIP connection of the
/// same service port (its cluster-internal entry, never the node-port/external one).
/// </summary>
/// <param name="table">The proxy's current table.</param>
/// <param name="dialer">The proxy's dialer.</param>
public sealed class ServiceConnector(Func<ServiceTable> table, EndpointDialer dialer) : IServiceConnector
{
    /// <inheritdoc />
    public async ValueTask<ServiceConnectResult> ConnectAsync(ServiceKey service, int port, IPAddress? client, CancellationToken cancellationToken)
    {
        var current = table();
        if (current.Version < 0)
            return ServiceConnectResult.Failed(ServiceConnectFailure.NoService, $"proxy.iptables: cannot connect to {service}:{port}: the proxy has not loaded the service catalog yet");
        if (!current.Entries.TryGetValue(new PortKey(service, port, TransportProtocol.Tcp), out var entry))
            return ServiceConnectResult.Failed(ServiceConnectFailure.NoService, "proxy.iptables: " + Unknown(current, service, port));
        if (entry.Balancer.Backends.Count == 0)
            return ServiceConnectResult.Failed(ServiceConnectFailure.NoEndpoints, $"proxy.iptables: {entry.Name} has no ready endpoint");

        var failures = new List<string>();
        var dial = await dialer.DialAsync(entry, client is null ? IPAddress.None : TcpForwarder.Unmap(client), null, failures, cancellationToken).ConfigureAwait(false);
        if (dial is not null) return new ServiceConnectResult(new ServiceConnection(dial, entry.Counters), ServiceConnectFailure.None, "");
        return failures.Count == 0
            ? ServiceConnectResult.Failed(ServiceConnectFailure.NoEndpoints, $"proxy.iptables: {entry.Name} has no endpoint this node may use now (all ejected after failures or on retired nodes)")
            : ServiceConnectResult.Failed(ServiceConnectFailure.Unreachable, $"proxy.iptables: {entry.Name} unreachable: {string.Join("; ", failures)}");
    }

    private static string Unknown(ServiceTable table, ServiceKey service, int port)
    {
        var ports = table.Entries.Keys.Where(k => k.Service == service && k.Protocol == TransportProtocol.Tcp && !k.External)
            .Select(k => k.Port).Distinct().Order().ToList();
        return ports.Count == 0
            ? $"no service {service} with a ClusterIP in the catalog (unknown, or headless)"
            : $"service {service} has no TCP port {port} (its TCP ports: {string.Join(", ", ports)})";
    }
}
