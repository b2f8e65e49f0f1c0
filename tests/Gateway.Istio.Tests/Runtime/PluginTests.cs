using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Abstractions.Status;
using PluginMesh.Plugins.Gateway.Istio.Runtime;
using PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;
using static PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support.GatewayHarness;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

/// <summary>
/// The plugin as the host runs it: its section, the catalog's Istio objects and Secrets, the
/// connector — and hot update driven by catalog changes (not applied by hand).
/// </summary>
public sealed class PluginTests
{
    private static MeshResource Gateway(int port) => ResourceCatalog.Istio("Gateway", "shop", "gw",
        $$$"""{"selector":{"istio":"ingressgateway"},"servers":[{"port":{"number":{{{port}}},"name":"http","protocol":"HTTP"},"hosts":["*"]}]}""");

    private static MeshResource VirtualService(string service) => ResourceCatalog.Istio("VirtualService", "shop", "vs",
        """{"hosts":["*"],"gateways":["gw"],"http":[{"name":"main","route":[{"destination":{"host":""" + "\"" + service + "\"" + ""","port":{"number":9080}}}]}]}""");

    private static async Task<(PluginServices Plugin, ResourceCatalog Catalog, LocalConnector Connector)> StartAsync(string dataDirectory)
    {
        var catalog = new ResourceCatalog();
        var connector = new LocalConnector();
        var plugin = await PluginServices.StartAsync(new GatewayIstioPlugin(), dataDirectory, services =>
        {
            services.AddSingleton<IServiceCatalog>(catalog);
            services.AddSingleton<IServiceConnector>(connector);
        }, ("includeInterfaces", "lo"), ("accessLog", "off"), ("drainTimeoutSeconds", "5"));
        return (plugin, catalog, connector);
    }

    [Fact]
    public async Task CatalogChanges_OpenPorts_SwapRoutes_AndClosePorts()
    {
        var data = Directory.CreateTempSubdirectory("gw-plugin-").FullName;
        await using var reviews = await Backend.EchoAsync("reviews");
        await using var ratings = await Backend.EchoAsync("ratings");
        var (plugin, catalog, connector) = await StartAsync(data);
        await using var _ = plugin;
        connector.Set(Reviews, 9080, reviews.Endpoint);
        connector.Set(Ratings, 9080, ratings.Endpoint);
        Assert.Contains((CatalogResourceType[])plugin.GetService(typeof(IEnumerable<CatalogResourceType>))!, t => t.Kind == "Gateway");
        var port = FreePort();
        using var client = Client(port);

        catalog.Publish(Gateway(port), VirtualService("reviews"));
        await Eventually.TrueAsync(() => Get(client, port) == "reviews", "the Gateway's port serves the VirtualService's route");

        catalog.Publish(Gateway(port), VirtualService("ratings"));
        await Eventually.TrueAsync(() => Get(client, port) == "ratings", "the changed VirtualService is in effect");

        catalog.Publish(VirtualService("ratings"));
        await Eventually.TrueAsync(() => ((GatewayStatus)plugin.Get<IStatusContributor>().GetStatus()).Listeners.Count == 0, "the Gateway's removal closes its port");
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task SecretRotation_IsServedToTheNextHandshake_WithoutARestart()
    {
        var data = Directory.CreateTempSubdirectory("gw-plugin-").FullName;
        using var ca = TestCertificates.Authority("rotation CA");
        using var first = TestCertificates.Issue(ca, true, "shop.example.com", "first.example.com");
        using var second = TestCertificates.Issue(ca, true, "shop.example.com", "second.example.com");
        await using var reviews = await Backend.EchoAsync("reviews");
        var (plugin, catalog, connector) = await StartAsync(data);
        await using var _ = plugin;
        connector.Set(Reviews, 9080, reviews.Endpoint);
        var port = FreePort();
        MeshResource Gw() => ResourceCatalog.Istio("Gateway", "shop", "gw",
            $$$"""{"selector":{"istio":"ingressgateway"},"servers":[{"port":{"number":{{{port}}},"name":"https","protocol":"HTTPS"},"hosts":["shop.example.com"],"tls":{"mode":"SIMPLE","credentialName":"shop-cert"}}]}""");

        catalog.Publish(Gw(), VirtualService("reviews"), ResourceCatalog.TlsSecret("shop", "shop-cert", first));
        string? seen = null;
        await Eventually.TrueAsync(() =>
        {
            using var client = Client(port, ca, serverCertificate: s => seen = s);
            return Get(client, port, "https://shop.example.com") == "reviews";
        }, "HTTPS serves with the Secret's certificate");
        var before = seen;

        catalog.Publish(Gw(), VirtualService("reviews"), ResourceCatalog.TlsSecret("shop", "shop-cert", second));
        await Eventually.TrueAsync(() =>
        {
            using var fresh = new System.Net.Sockets.TcpClient();
            fresh.Connect(IPAddress.Loopback, port);
            using var tls = new System.Net.Security.SslStream(fresh.GetStream(), false, (_, c, _, _) => true);
            tls.AuthenticateAsClient("shop.example.com");
            return tls.RemoteCertificate!.GetCertHashString() == second.GetCertHashString();
        }, "a new handshake gets the rotated certificate");
        Assert.Equal("CN=shop.example.com", before);
        Directory.Delete(data, recursive: true);
    }

    private static string? Get(HttpClient client, int port, string origin = "http://shop")
    {
        try
        {
            var body = client.GetStringAsync($"{origin}:{port}/", TestTimeout.Token(10)).GetAwaiter().GetResult();
            return body.Split(' ')[0];
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
