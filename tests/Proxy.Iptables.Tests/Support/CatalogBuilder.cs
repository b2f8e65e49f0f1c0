using System.Net;
using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Support;

/// <summary>Builds catalog snapshots tersely.</summary>
public sealed class CatalogBuilder
{
    private readonly Dictionary<ServiceKey, MeshService> _services = [];
    private readonly Dictionary<ServiceKey, ServiceEndpoints> _endpoints = [];
    private readonly Dictionary<string, MeshNode> _nodes = [];

    public CatalogBuilder Service(string name, string clusterIp, IReadOnlyList<ServicePort> ports, string? loadBalancer = null,
        SessionAffinity affinity = SessionAffinity.None, int affinityTimeout = 10800)
    {
        var key = Key(name);
        _services[key] = new MeshService(key, [IPAddress.Parse(clusterIp)], ports, Affinity: affinity, AffinityTimeoutSeconds: affinityTimeout, LoadBalancer: loadBalancer);
        return this;
    }

    /// <summary>Makes service <paramref name="name"/> (added before) dual-stack: <paramref name="clusterIp"/> after its first ClusterIP.</summary>
    public CatalogBuilder DualStack(string name, string clusterIp)
    {
        var key = Key(name);
        _services[key] = _services[key] with { ClusterIps = [.. _services[key].ClusterIps, IPAddress.Parse(clusterIp)] };
        return this;
    }

    /// <summary>Gives service <paramref name="name"/> (added before) external IPs and an external traffic policy.</summary>
    public CatalogBuilder Exposed(string name, ExternalTrafficPolicy policy, params string[] externalIps)
    {
        var key = Key(name);
        _services[key] = _services[key] with { ExternalIps = externalIps.Select(IPAddress.Parse).ToList(), ExternalTraffic = policy };
        return this;
    }

    /// <summary>Gives service <paramref name="name"/> (added before) a health check node port (externalTrafficPolicy Local).</summary>
    public CatalogBuilder HealthChecked(string name, int port)
    {
        var key = Key(name);
        _services[key] = _services[key] with { ExternalTraffic = ExternalTrafficPolicy.Local, HealthCheckNodePort = port };
        return this;
    }

    public CatalogBuilder Endpoints(string name, params (string Ip, string? Node)[] endpoints)
    {
        var key = Key(name);
        _endpoints[key] = new ServiceEndpoints(key, endpoints.Select(e => new MeshEndpoint(IPAddress.Parse(e.Ip), e.Node, true, [])).ToList());
        return this;
    }

    public CatalogBuilder Endpoints(string name, IReadOnlyList<MeshEndpoint> endpoints)
    {
        var key = Key(name);
        _endpoints[key] = new ServiceEndpoints(key, endpoints);
        return this;
    }

    public CatalogBuilder Node(string name, params string[] podCidrs)
    {
        _nodes[name] = new MeshNode(name, podCidrs, []);
        return this;
    }

    public CatalogBuilder Node(string name, IReadOnlyDictionary<string, string> labels, params string[] podCidrs)
    {
        _nodes[name] = new MeshNode(name, podCidrs, [], labels);
        return this;
    }

    /// <summary>A node whose agent's PeerId is bound through the API (the <c>pluginmesh.io/peer-id</c> annotation), as <see cref="FakeTunnelNetwork.PeerOf"/> names it.</summary>
    public CatalogBuilder BoundNode(string name)
    {
        _nodes[name] = new MeshNode(name, [], [], Agent: new NodeAgent(FakeTunnelNetwork.PeerOf(name), [], false));
        return this;
    }

    public CatalogSnapshot Build(long version) => new(version, new Dictionary<ServiceKey, MeshService>(_services),
        new Dictionary<ServiceKey, ServiceEndpoints>(_endpoints), new Dictionary<string, MeshNode>(_nodes));

    public static ServiceKey Key(string name) => name.Contains('/', StringComparison.Ordinal)
        ? new ServiceKey(name.Split('/')[0], name.Split('/')[1])
        : new ServiceKey("demo", name);

    public static ServicePort Tcp(int port, int target) => new("", port, TransportProtocol.Tcp, target);

    public static ServicePort Udp(int port, int target) => new("", port, TransportProtocol.Udp, target);

    public static ServicePort NodePort(ServicePort port, int nodePort) => port with { NodePort = nodePort };
}
