using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Policies;
using PluginMesh.Plugins.Proxy.Iptables.Balancing;
using PluginMesh.Plugins.Proxy.Iptables.Forwarding;
using PluginMesh.Plugins.Proxy.Iptables.Tests.Support;
using static PluginMesh.Plugins.Proxy.Iptables.Tests.Support.CatalogBuilder;

namespace PluginMesh.Plugins.Proxy.Iptables.Tests.Balancing;

public sealed class ServiceRegistryTests : IDisposable
{
    private readonly Meter _meter = new("test.proxy.registry");
    private readonly ListLogger<ServiceRegistry> _logger = new();

    public void Dispose() => _meter.Dispose();

    private ServiceRegistry Registry(IEndpointPolicy? policy = null) =>
        new(new ProxyOptions(), "node-a", policy, new ProxyMetrics(_meter), TimeProvider.System, _logger);

    private static PortKey Web => new(Key("web"), 80, TransportProtocol.Tcp);

    [Fact]
    public void Apply_UnknownLoadBalancer_FallsBackWithOneWarning()
    {
        var registry = Registry();
        var catalog = new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)], loadBalancer: "PASSTHROUGH").Endpoints("web", ("10.244.0.1", "node-a"));
        registry.Apply(catalog.Build(1));
        registry.Apply(catalog.Build(2));
        var entry = registry.Table.Entries[Web];
        Assert.Equal(LoadBalancerKind.RoundRobin, entry.Kind);
        Assert.Single(_logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("PASSTHROUGH", StringComparison.Ordinal));
    }

    [Fact]
    public void Apply_EndpointsChange_KeepsCountersAndMarksLocal()
    {
        var registry = Registry();
        registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)]).Endpoints("web", ("10.244.0.1", "node-a")).Build(1));
        var entry = registry.Table.Entries[Web];
        entry.Counters.DialFailed("refused");
        registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)]).Endpoints("web", ("10.244.0.1", "node-a"), ("10.244.1.1", "node-b")).Build(2));
        var again = registry.Table.Entries[Web];
        Assert.Same(entry, again);
        Assert.Equal(1, again.Counters.DialFailures);
        Assert.Equal([true, false], again.Balancer.Backends.Select(b => b.Local));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.244.1.1"), 8080), again.Balancer.Backends[1].EndPoint);
        Assert.Same(entry, registry.Table.ByVip[new VipKey(IPAddress.Parse("10.96.0.10"), 80, TransportProtocol.Tcp)]);
    }

    [Theory]
    [InlineData(ExternalTrafficPolicy.Cluster, "node-a,node-b")]
    [InlineData(ExternalTrafficPolicy.Local, "node-a")]
    public void Apply_NodePortAndExternalIp_ResolveToTheExternalEntry_LocalPolicyKeepsOnlyThisNode(ExternalTrafficPolicy policy, string externalNodes)
    {
        var registry = Registry();
        var table = registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [NodePort(Tcp(80, 8080), 30080), Udp(53, 53)])
            .Exposed("web", policy, "192.168.1.200").Endpoints("web", ("10.244.0.1", "node-a"), ("10.244.1.1", "node-b")).Build(1));

        var cluster = table.Entries[Web];
        var external = table.Entries[Web with { External = true }];
        Assert.Same(cluster, table.Resolve(new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80), TransportProtocol.Tcp));
        Assert.Same(external, table.Resolve(new IPEndPoint(IPAddress.Parse("192.168.1.200"), 80), TransportProtocol.Tcp));
        Assert.Same(external, table.Resolve(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 30080), TransportProtocol.Tcp));
        Assert.Null(table.Resolve(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 30080), TransportProtocol.Udp));
        Assert.Null(table.Resolve(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 30081), TransportProtocol.Tcp));
        // The UDP port has no node port but the service's external IP still serves it.
        Assert.True(table.Resolve(new IPEndPoint(IPAddress.Parse("192.168.1.200"), 53), TransportProtocol.Udp)!.External);

        Assert.True(external.External);
        Assert.Equal("demo/web:80/tcp external", external.Name);
        Assert.Equal(2, cluster.Balancer.Backends.Count);
        Assert.Equal(externalNodes.Split(','), external.Balancer.Backends.Select(b => b.NodeName));
    }

    [Fact]
    public void Apply_LocalPolicyWithoutLocalEndpoint_ExternalEntryChoosesNothing_ClusterEntryStillServes()
    {
        var registry = Registry();
        var table = registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [NodePort(Tcp(80, 8080), 30080)])
            .Exposed("web", ExternalTrafficPolicy.Local).Endpoints("web", ("10.244.1.1", "node-b")).Build(1));

        Assert.Null(table.ByNodePort[(30080, TransportProtocol.Tcp)].Balancer.Choose(IPAddress.Parse("192.168.1.9")));
        Assert.Equal("node-b", table.Entries[Web].Balancer.Choose(IPAddress.Parse("10.244.0.9"))!.NodeName);
    }

    [Fact]
    public void Apply_NodePortRemoved_ExternalEntryAndLookupsGone()
    {
        var registry = Registry();
        registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [NodePort(Tcp(80, 8080), 30080)]).Build(1));
        var table = registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)]).Build(2));

        Assert.Equal(Web, Assert.Single(table.Entries.Keys));
        Assert.Empty(table.ByNodePort);
    }

    [Fact]
    public void Apply_NamedTargetPort_ResolvedPerEndpoint_MissingSkipped()
    {
        var registry = Registry();
        var port = new ServicePort("http", 80, TransportProtocol.Tcp, 0, "http");
        registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [port]).Endpoints("web",
        [
            new MeshEndpoint(IPAddress.Parse("10.244.0.1"), "node-a", true, [new EndpointPort("http", 9000, TransportProtocol.Tcp)]),
            new MeshEndpoint(IPAddress.Parse("10.244.0.2"), "node-a", true, []),
            new MeshEndpoint(IPAddress.Parse("10.244.0.3"), "node-a", false, [new EndpointPort("http", 9000, TransportProtocol.Tcp)]),
        ]).Build(1));
        var backend = Assert.Single(registry.Table.Entries[Web].Balancer.Backends);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.244.0.1"), 9000), backend.EndPoint);
    }

    [Fact]
    public void Script_PolicyAnswer_IsUsed_OutOfRangeFallsBack()
    {
        var policy = new FixedEndpointPolicy { Index = 1 };
        var registry = Registry(policy);
        registry.Apply(new CatalogBuilder().Service("web", "10.96.0.10", [Tcp(80, 8080)], loadBalancer: "script")
            .Endpoints("web", ("10.244.0.1", "node-a"), ("10.244.0.2", "node-b")).Build(1));
        var balancer = registry.Table.Entries[Web].Balancer;
        Assert.Equal(IPAddress.Parse("10.244.0.2"), balancer.Choose(IPAddress.Loopback)!.EndPoint.Address);
        Assert.Equal("demo/web", policy.Last!.Service);
        Assert.Equal(2, policy.Last.Candidates.Count);

        policy.Index = 7;
        Assert.NotNull(balancer.Choose(IPAddress.Loopback));
    }

    private sealed class FixedEndpointPolicy : IEndpointPolicy
    {
        public int Index { get; set; }

        public EndpointPickInput? Last { get; private set; }

        public EndpointPick PickEndpoint(EndpointPickInput input)
        {
            Last = input;
            return new EndpointPick(Index);
        }
    }
}
