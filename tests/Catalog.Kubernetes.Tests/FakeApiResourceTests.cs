using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// The fake API server's custom resources, Secrets, namespaced collections and field selectors, driven
/// by KubernetesClient itself, so the fake is checked against what a real client sends and expects.
/// </summary>
public sealed class FakeApiResourceTests : FakeApiClientTests
{
    private const string Istio = "networking.istio.io";

    private async Task<List<(string ApiVersion, string Name)>> ListGatewaysAsync(string version, string? ns = null)
    {
        var list = ns is null
            ? await Client.CustomObjects.ListClusterCustomObjectAsync(Istio, version, "gateways")
            : await Client.CustomObjects.ListNamespacedCustomObjectAsync(Istio, version, ns, "gateways");
        var items = ((JsonElement)list).GetProperty("items").EnumerateArray();
        return items.Select(i => (i.GetProperty("apiVersion").GetString()!, i.GetProperty("metadata").GetProperty("name").GetString()!)).ToList();
    }

    private static System.Text.Json.Nodes.JsonObject Gateway(string apiVersion, string ns, string name) =>
        FakeObjects.CustomResource(apiVersion, "Gateway", ns, name, new() { ["servers"] = new System.Text.Json.Nodes.JsonArray() });

    [Fact]
    public async Task CustomResource_404BeforeInstall_OneStorageAtEveryVersion_404AfterUninstall()
    {
        var before = await Assert.ThrowsAsync<HttpOperationException>(() => ListGatewaysAsync("v1"));
        Assert.Equal(HttpStatusCode.NotFound, before.Response.StatusCode);
        Assert.Throws<ArgumentException>(() => Server.Cluster.Put(Gateway("networking.istio.io/v1", "demo", "gw")));

        Assert.Equal(["apis/networking.istio.io/v1/gateways", "apis/networking.istio.io/v1beta1/gateways"],
            Server.Cluster.InstallCustomResource(Istio, "Gateway", "gateways", "v1", "v1beta1"));
        Server.Cluster.Put(Gateway("networking.istio.io/v1beta1", "demo", "a"));
        Server.Cluster.Put(Gateway("networking.istio.io/v1", "other", "b"));

        Assert.Equal([("networking.istio.io/v1", "a"), ("networking.istio.io/v1", "b")], await ListGatewaysAsync("v1"));
        Assert.Equal([("networking.istio.io/v1beta1", "a"), ("networking.istio.io/v1beta1", "b")], await ListGatewaysAsync("v1beta1"));
        Assert.Equal([("networking.istio.io/v1", "b")], await ListGatewaysAsync("v1", "other"));
        Assert.True(Server.Cluster.DeleteObject("networking.istio.io/v1beta1", "Gateway", "demo", "a"));
        Assert.Equal([("networking.istio.io/v1", "b")], await ListGatewaysAsync("v1"));

        // Installed again at v1beta1 only (an older Istio): v1 answers 404, the objects are still there.
        Server.Cluster.InstallCustomResource(Istio, "Gateway", "gateways", "v1beta1");
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<HttpOperationException>(() => ListGatewaysAsync("v1"))).Response.StatusCode);
        Assert.Equal([("networking.istio.io/v1beta1", "b")], await ListGatewaysAsync("v1beta1"));
        Server.Cluster.UninstallCustomResource(Istio, "gateways");
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<HttpOperationException>(() => ListGatewaysAsync("v1beta1"))).Response.StatusCode);
    }

    [Fact]
    public async Task InstallIstio_ServesGatewaysAndVirtualServices_V1OnlyWhenAsked()
    {
        Server.Cluster.InstallIstio(v1: false);
        Server.Cluster.Put(Gateway("networking.istio.io/v1beta1", "demo", "a"));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<HttpOperationException>(() => ListGatewaysAsync("v1"))).Response.StatusCode);
        Assert.Equal([("networking.istio.io/v1alpha3", "a")], await ListGatewaysAsync("v1alpha3"));

        Server.Cluster.InstallIstio();
        Assert.Equal([("networking.istio.io/v1", "a")], await ListGatewaysAsync("v1"));
        Assert.True(Server.Cluster.IsServed(FakeCluster.Gateways) && Server.Cluster.IsServed(FakeCluster.VirtualServices));
        Server.Cluster.UninstallIstio();
        Assert.False(Server.Cluster.IsServed(FakeCluster.Gateways) || Server.Cluster.IsServed("apis/networking.istio.io/v1beta1/virtualservices"));
    }

    [Fact]
    public async Task Secrets_NamespaceAndTypeSelector_Honoured_UnsupportedField400()
    {
        Server.Cluster.Put(FakeObjects.TlsSecret("istio-system", "cert", "CERT", "KEY"));
        Server.Cluster.Put(FakeObjects.Secret("istio-system", "token", "Opaque", new Dictionary<string, byte[]> { ["t"] = [1] }));
        Server.Cluster.Put(FakeObjects.TlsSecret("demo", "other", "CERT", "KEY"));

        var tls = await Client.CoreV1.ListNamespacedSecretAsync("istio-system", fieldSelector: "type=kubernetes.io/tls");
        Assert.Equal(["cert"], tls.Items.Select(s => s.Metadata.Name));
        Assert.Equal("CERT", System.Text.Encoding.UTF8.GetString(tls.Items[0].Data["tls.crt"]));
        var notTls = await Client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "type!=kubernetes.io/tls");
        Assert.Equal(["token"], notTls.Items.Select(s => s.Metadata.Name));
        var named = await Client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "metadata.namespace=demo,metadata.name==other");
        Assert.Equal(["other"], named.Items.Select(s => s.Metadata.Name));

        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ListNamespacedSecretAsync("demo", fieldSelector: "data.tls=x"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
        Assert.Contains("field label not supported: data.tls", bad.Response.Content, StringComparison.Ordinal);
    }
}
