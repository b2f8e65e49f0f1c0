using System.Collections.Frozen;
using PluginMesh.Abstractions.Directory;

namespace PluginMesh.Plugins.Proxy.Iptables.Forwarding;

/// <summary>
/// Turns catalog snapshots into a <see cref="ServiceTable"/>, keeping each service port's balancer,
/// counters and each endpoint's health across changes. <see cref="Apply"/> is called from one
/// thread at a time; <see cref="Table"/> is a lock-free read.
/// </summary>
public sealed class ServiceRegistry(
    ProxyOptions options, string nodeName, IEndpointPolicy? endpointPolicy, ProxyMetrics metrics, TimeProvider time, ILogger logger,
    Func<Random>? randomFactory = null, INodeLiveness? liveness = null)
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromMinutes(10);
    private readonly Dictionary<PortKey, ServicePortEntry> _entries = [];
    private readonly ConcurrentDictionary<IPEndPoint, BackendHealth> _health = new();
    private readonly Dictionary<string, long> _warned = new(StringComparer.Ordinal);
    private volatile ServiceTable _table = ServiceTable.Empty;

    /// <summary>The current table.</summary>
    public ServiceTable Table => _table;

    /// <summary>Health of an endpoint (shared across services).</summary>
    public BackendHealth HealthOf(IPEndPoint endPoint) => _health.GetOrAdd(endPoint, static _ => new BackendHealth());

    /// <summary>Rebuilds the table from <paramref name="snapshot"/>.</summary>
    public ServiceTable Apply(CatalogSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var seen = new HashSet<PortKey>();
        var byVip = new Dictionary<VipKey, ServicePortEntry>();
        var byNodePort = new Dictionary<(int, TransportProtocol), ServicePortEntry>();
        foreach (var service in snapshot.Services.Values)
        {
            // Headless services have no virtual IP to intercept and nothing to balance.
            if (service.Headless) continue;
            snapshot.Endpoints.TryGetValue(service.Key, out var endpoints);
            var kind = ResolveKind(service);
            var externalIps = service.ExternalIps ?? [];
            foreach (var port in service.Ports)
            {
                var key = new PortKey(service.Key, port.Port, port.Protocol);
                if (!seen.Add(key)) continue;
                var backends = BuildBackends(port, endpoints);
                var entry = Update(key, port, service, kind, backends);
                foreach (var ip in service.ClusterIps) byVip.TryAdd(new VipKey(ip, port.Port, port.Protocol), entry);
                if (port.NodePort is not > 0 && externalIps.Count == 0) continue;

                // Traffic from outside the cluster gets its own entry: with externalTrafficPolicy Local
                // it may only reach this node's endpoints (none here → refused, never sent to another node).
                var externalKey = key with { External = true };
                seen.Add(externalKey);
                var local = service.ExternalTraffic == ExternalTrafficPolicy.Local;
                var external = Update(externalKey, port, service, kind, local ? backends.Where(b => b.Local).ToList() : backends);
                foreach (var ip in externalIps) byVip.TryAdd(new VipKey(ip, port.Port, port.Protocol), external);
                if (port.NodePort is int nodePort and > 0) byNodePort.TryAdd((nodePort, port.Protocol), external);
            }
        }

        foreach (var gone in _entries.Keys.Where(k => !seen.Contains(k)).ToList()) _entries.Remove(gone);
        var table = new ServiceTable(snapshot.Version, _entries.ToFrozenDictionary(), byVip.ToFrozenDictionary(), byNodePort.ToFrozenDictionary());
        _table = table;
        return table;
    }

    private ServicePortEntry Update(PortKey key, ServicePort port, MeshService service, LoadBalancerKind kind, List<Backend> backends)
    {
        var entry = GetOrCreate(key, port, service, kind);
        entry.Service = service;
        entry.Balancer.Update(backends);
        return entry;
    }

    private ServicePortEntry GetOrCreate(PortKey key, ServicePort port, MeshService service, LoadBalancerKind kind)
    {
        var affinity = service.Affinity == SessionAffinity.ClientIP ? TimeSpan.FromSeconds(Math.Max(1, service.AffinityTimeoutSeconds)) : TimeSpan.Zero;
        if (_entries.TryGetValue(key, out var existing) && existing.Port == port && existing.Kind == kind &&
            (existing.Service?.Affinity, existing.Service?.AffinityTimeoutSeconds) == (service.Affinity, service.AffinityTimeoutSeconds))
        {
            return existing;
        }

        var balancer = new ServiceBalancer(CreatePolicy(kind, service, port), affinity > TimeSpan.Zero ? new SessionAffinityTable(time, affinity) : null, time, liveness);
        // Counters continue across a policy change so status does not reset on a DestinationRule edit.
        var entry = new ServicePortEntry(key.Service, port, balancer, existing?.Counters ?? new ServiceCounters(key.Name, metrics), kind, key.External);
        _entries[key] = entry;
        return entry;
    }

    private ILoadBalancingPolicy CreatePolicy(LoadBalancerKind kind, MeshService service, ServicePort port) => kind switch
    {
        LoadBalancerKind.Random => new RandomPolicy(randomFactory?.Invoke() ?? new Random()),
        LoadBalancerKind.LeastConnections => new LeastConnectionsPolicy(),
        LoadBalancerKind.ConsistentHash => new ConsistentHashPolicy(),
        LoadBalancerKind.Script when endpointPolicy is not null => new ScriptPolicy(endpointPolicy, service.Key.ToString(), port.Port),
        _ => new RoundRobinPolicy(),
    };

    private LoadBalancerKind ResolveKind(MeshService service)
    {
        if (service.LoadBalancer is null) return options.LoadBalancer;
        if (LoadBalancerNames.TryParse(service.LoadBalancer, out var kind) && (kind != LoadBalancerKind.Script || endpointPolicy is not null)) return kind;
        // A foreign or unsupported value must not take the service down (EdgeMesh panicked on
        // DestinationRules it did not know); warn, rate-limited, and use the default.
        var now = time.GetUtcNow().UtcTicks;
        var tag = service.Key + "|" + service.LoadBalancer;
        if (!_warned.TryGetValue(tag, out var last) || now - last >= WarnEvery.Ticks)
        {
            _warned[tag] = now;
            logger.UnknownLoadBalancer(service.Key.ToString(), service.LoadBalancer, options.LoadBalancer.ToString());
        }
        return options.LoadBalancer;
    }

    private List<Backend> BuildBackends(ServicePort port, ServiceEndpoints? endpoints)
    {
        var list = new List<Backend>();
        if (endpoints is null) return list;
        foreach (var ep in endpoints.Endpoints)
        {
            if (!ep.Ready) continue;
            var target = ResolveTargetPort(port, ep);
            if (target <= 0) continue;
            var endPoint = new IPEndPoint(ep.Address, target);
            var local = ep.NodeName is not null && string.Equals(ep.NodeName, nodeName, StringComparison.Ordinal);
            list.Add(new Backend(endPoint, ep.NodeName, local, HealthOf(endPoint)));
        }
        return list;
    }

    /// <summary>The endpoint port for <paramref name="port"/>: numeric target, named target, or the service port.</summary>
    public static int ResolveTargetPort(ServicePort port, MeshEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (port.TargetPortName is { Length: > 0 } name)
        {
            foreach (var p in endpoint.Ports)
            {
                if (p.Protocol == port.Protocol && string.Equals(p.Name, name, StringComparison.Ordinal)) return p.Port;
            }
            return 0;
        }
        return port.TargetPort > 0 ? port.TargetPort : port.Port;
    }
}
