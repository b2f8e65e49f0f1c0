using System.Net;
using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>The catalog the DNS tests answer from.</summary>
public static class SampleCatalog
{
    public static readonly IPAddress WebV4 = IPAddress.Parse("10.96.0.10");
    public static readonly IPAddress WebV6 = IPAddress.Parse("fd00::10");

    /// <summary>Headless service sizes: "mid" fits 1232 bytes but not 512; "big" fits neither.</summary>
    public const int MidEndpoints = 40;
    public const int BigEndpoints = 100;

    public static CatalogSnapshot Build(long version = 1, params MeshService[] extra)
    {
        var services = new Dictionary<ServiceKey, MeshService>();
        var endpoints = new Dictionary<ServiceKey, ServiceEndpoints>();

        void Add(MeshService service, params MeshEndpoint[] eps)
        {
            services[service.Key] = service;
            if (eps.Length > 0) endpoints[service.Key] = new ServiceEndpoints(service.Key, eps);
        }

        Add(new MeshService(new ServiceKey("default", "web"), [WebV4, WebV6],
            [new ServicePort("http", 80, TransportProtocol.Tcp, 8080), new ServicePort("", 9090, TransportProtocol.Tcp, 9090), new ServicePort("dns", 53, TransportProtocol.Udp, 53)]));
        Add(new MeshService(new ServiceKey("shop", "db"), [], [new ServicePort("pg", 5432, TransportProtocol.Tcp, 0, "pg")], Headless: true),
            new MeshEndpoint(IPAddress.Parse("10.1.0.5"), "node-a", true, [new EndpointPort("pg", 15432, TransportProtocol.Tcp)], "db-0"),
            new MeshEndpoint(IPAddress.Parse("10.1.0.6"), "node-b", true, [new EndpointPort("pg", 15432, TransportProtocol.Tcp)], "db-1"),
            new MeshEndpoint(IPAddress.Parse("10.1.0.7"), "node-b", false, [new EndpointPort("pg", 15432, TransportProtocol.Tcp)], "db-2"));
        Add(new MeshService(new ServiceKey("shop", "v6only"), [IPAddress.Parse("fd00::20")], [new ServicePort("http", 80, TransportProtocol.Tcp, 80)]));
        Add(new MeshService(new ServiceKey("shop", "mid"), [], [], Headless: true), Endpoints(MidEndpoints, 2));
        Add(new MeshService(new ServiceKey("shop", "big"), [], [], Headless: true), Endpoints(BigEndpoints, 3));
        foreach (var service in extra) Add(service);

        return new CatalogSnapshot(version, services, endpoints, new Dictionary<string, MeshNode>());
    }

    private static MeshEndpoint[] Endpoints(int count, int thirdOctet) =>
        Enumerable.Range(1, count).Select(i => new MeshEndpoint(IPAddress.Parse($"10.2.{thirdOctet}.{i}"), "node-a", true, [])).ToArray();
}
