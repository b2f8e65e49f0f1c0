using PluginMesh.Plugins.Proxy.Iptables.Status;

namespace PluginMesh.Plugins.Proxy.Iptables;

/// <summary>Status view of the proxy (kept apart from the lifecycle code).</summary>
public sealed partial class ProxyHostedService
{
    private RoutePlanner Planner() => new(options, tunnel is not null, nodeName, catalog);

    /// <summary>Builds the <c>proxy</c> status section; cheap, no I/O.</summary>
    public ProxyStatus GetStatus()
    {
        RuleSyncStatus? rules = null;
        if (interceptor is not null && mode == ProxyMode.Iptables)
        {
            var s = interceptor.State;
            var listener6 = _redirectLoop6 is not null;
            rules = new RuleSyncStatus(interceptor.Tools?.Binary, interceptor.Tools?.Backend, s.Rules, s.LastSync,
                s.LastSyncDuration?.TotalMilliseconds, interceptor.LastSyncKind, s.LastError,
                new Ipv6RuleStatus(interceptor.Ipv6Tools?.Binary, interceptor.Ipv6Rules, listener6, listener6 ? interceptor.Ipv6Error : _ipv6Missing));
        }

        var services = new List<ServiceStatus>();
        var table = _registry?.Table ?? ServiceTable.Empty;
        var planner = Planner();
        var now = time.GetUtcNow().UtcTicks;
        foreach (var group in table.Entries.Values.GroupBy(e => e.Key).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            var ports = new List<PortStatus>();
            foreach (var e in group.OrderBy(e => e.Port.Port).ThenBy(e => e.External))
            {
                var endpoints = e.Balancer.Backends
                    .Select(b => new EndpointStatus(b.EndPoint.ToString(), b.NodeName, planner.Plan(b).ToWire(), b.Health.IsEjected(now), b.Health.Active, b.Health.DialFailures))
                    .ToList();
                var udp = e.Port.Protocol == TransportProtocol.Udp;
                var listen = mode == ProxyMode.Iptables && !udp ? RedirectPort : _listeners?.PortOf(e.Id);
                ports.Add(new PortStatus(e.Port.Port, udp ? "udp" : "tcp", listen, e.Kind.ToString(), e.Counters.Connections,
                    e.Counters.BytesIn, e.Counters.BytesOut, e.Counters.DialFailures, endpoints,
                    e.External, e.External ? e.Port.NodePort : null, e.External && e.Service?.ExternalTraffic == ExternalTrafficPolicy.Local));
            }
            var service = group.First().Service;
            var clusterIps = service?.ClusterIps.Select(ip => ip.ToString()).ToList() ?? [];
            var externalIps = service?.ExternalIps is { Count: > 0 } external ? external.Select(ip => ip.ToString()).ToList() : null;
            services.Add(new ServiceStatus(group.Key.ToString(), clusterIps, ports, externalIps, _healthChecks?.Status(group.Key)));
        }
        return new ProxyStatus(mode == ProxyMode.Iptables ? "iptables" : "listen", _running, rules,
            _tunnelRegistration is not null, metrics.Active, services, planner.FlatPodNetworkStatus())
        {
            ModeReason = choice.Reason,
            TunnelRefused = _authorizer?.Refused ?? new Dictionary<string, long>(),
            EventLoop = _socketLoop is { } l ? new EventLoopStatus(l.Active, l.Relays, l.Connects) : null,
            ClientSource = _clientSource is { } c ? new ClientSourceStatus(c.Ready, $"0x{c.ReplyMark:x}", c.Table, c.Kept, c.Problem, c.Ipv6Ready, c.Ipv6Problem) : null,
        };
    }
}
