using System.Net;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Support;

/// <summary>
/// A catalog that uses every field: two services (one headless, one with named target ports,
/// affinity, a load balancer and labels given out of order), endpoints on IPv4 with and without a
/// node, and two nodes (one bare). <see cref="ReleaseCacheFileTests"/> holds its documents as the
/// released plugins wrote them.
/// </summary>
internal static class SampleCatalog
{
    public static MeshService Web { get; } = new(
        new ServiceKey("demo", "web"),
        [IPAddress.Parse("10.96.0.10"), IPAddress.Parse("fd00::a")],
        [new ServicePort("http", 80, TransportProtocol.Tcp, 8080), new ServicePort("dns", 53, TransportProtocol.Udp, 0, "dns-port", 30053)],
        Headless: false,
        SessionAffinity.ClientIP,
        AffinityTimeoutSeconds: 600,
        LoadBalancer: "LEAST_REQUEST",
        new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" });

    /// <summary>A NodePort service with external IPs whose outside traffic stays on the receiving node.</summary>
    public static MeshService Edge { get; } = new(
        new ServiceKey("demo", "edge"), [IPAddress.Parse("10.96.0.20")], [new ServicePort("http", 80, TransportProtocol.Tcp, 8080, NodePort: 30080)],
        ExternalIps: [IPAddress.Parse("192.168.1.200"), IPAddress.Parse("fd00::200")], ExternalTraffic: ExternalTrafficPolicy.Local,
        HealthCheckNodePort: 32100);

    public static MeshService Db { get; } = new(
        new ServiceKey("demo", "db"), [], [new ServicePort("", 5432, TransportProtocol.Tcp, 5432)], Headless: true);

    public static ServiceEndpoints WebEndpoints { get; } = new(new ServiceKey("demo", "web"),
    [
        new MeshEndpoint(IPAddress.Parse("10.244.1.5"), "edge-a", true, [new EndpointPort("http", 8080, TransportProtocol.Tcp)]),
        new MeshEndpoint(IPAddress.Parse("10.244.2.7"), null, false, [new EndpointPort("", 8080, TransportProtocol.Tcp)], "web-1"),
    ]);

    /// <summary>What edge-a's agent published on its Node: its PeerId, a direct and a relayed address, a relay offer.</summary>
    public static NodeAgent EdgeAAgent { get; } = new(PeerId.Parse("12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm"),
    [
        Multiaddr.Parse("/ip4/192.168.1.10/tcp/4001/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm"),
        Multiaddr.Parse("/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA/p2p-circuit/p2p/12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm"),
    ], OffersRelay: true);

    public static MeshNode EdgeA { get; } = new("edge-a", ["10.244.1.0/24"], [IPAddress.Parse("192.168.1.10")], new Dictionary<string, string> { ["zone"] = "shop-1" });

    /// <summary>edge-a once its agent published itself (not in <see cref="State"/>, whose documents are the release's).</summary>
    public static MeshNode EdgeAWithAgent { get; } = EdgeA with { Agent = EdgeAAgent };

    public static MeshNode EdgeB { get; } = new("edge-b", [], []);

    /// <summary>The full state, in the order <see cref="Abstractions.Cache.ICatalogCache.Restore"/> gives it (kind, then key).</summary>
    public static IReadOnlyList<CatalogChange> State { get; } =
    [
        new(CatalogObjectKind.Service, "demo/db", Db),
        new(CatalogObjectKind.Service, "demo/web", Web),
        new(CatalogObjectKind.Endpoints, "demo/web", WebEndpoints),
        new(CatalogObjectKind.Node, "edge-a", EdgeA),
        new(CatalogObjectKind.Node, "edge-b", EdgeB),
    ];
}
