using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using PluginMesh.Demo.FakeApi;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// The fake API server's custom resources, Secrets, namespaced collections and field selectors, driven
/// by KubernetesClient itself, so the fake is checked against what a real client sends and expects.
/// </summary>
public sealed class FakeApiResourceTests : IAsyncLifetime
{
    private const string Istio = "networking.istio.io";
    private readonly FakeApiServer _server = new();
    private k8s.Kubernetes _client = null!;

    public Task InitializeAsync()
    {
        _server.Start(0);
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.Url.ToString().TrimEnd('/') });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<List<(string ApiVersion, string Name)>> ListGatewaysAsync(string version, string? ns = null)
    {
        var list = ns is null
            ? await _client.CustomObjects.ListClusterCustomObjectAsync(Istio, version, "gateways")
            : await _client.CustomObjects.ListNamespacedCustomObjectAsync(Istio, version, ns, "gateways");
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
        Assert.Throws<ArgumentException>(() => _server.Cluster.Put(Gateway("networking.istio.io/v1", "demo", "gw")));

        Assert.Equal(["apis/networking.istio.io/v1/gateways", "apis/networking.istio.io/v1beta1/gateways"],
            _server.Cluster.InstallCustomResource(Istio, "Gateway", "gateways", "v1", "v1beta1"));
        _server.Cluster.Put(Gateway("networking.istio.io/v1beta1", "demo", "a"));
        _server.Cluster.Put(Gateway("networking.istio.io/v1", "other", "b"));

        Assert.Equal([("networking.istio.io/v1", "a"), ("networking.istio.io/v1", "b")], await ListGatewaysAsync("v1"));
        Assert.Equal([("networking.istio.io/v1beta1", "a"), ("networking.istio.io/v1beta1", "b")], await ListGatewaysAsync("v1beta1"));
        Assert.Equal([("networking.istio.io/v1", "b")], await ListGatewaysAsync("v1", "other"));
        Assert.True(_server.Cluster.DeleteObject("networking.istio.io/v1beta1", "Gateway", "demo", "a"));
        Assert.Equal([("networking.istio.io/v1", "b")], await ListGatewaysAsync("v1"));

        // Installed again at v1beta1 only (an older Istio): v1 answers 404, the objects are still there.
        _server.Cluster.InstallCustomResource(Istio, "Gateway", "gateways", "v1beta1");
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<HttpOperationException>(() => ListGatewaysAsync("v1"))).Response.StatusCode);
        Assert.Equal([("networking.istio.io/v1beta1", "b")], await ListGatewaysAsync("v1beta1"));
        _server.Cluster.UninstallCustomResource(Istio, "gateways");
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<HttpOperationException>(() => ListGatewaysAsync("v1beta1"))).Response.StatusCode);
    }

    [Fact]
    public async Task Secrets_NamespaceAndTypeSelector_Honoured_UnsupportedField400()
    {
        _server.Cluster.Put(FakeObjects.TlsSecret("istio-system", "cert", "CERT", "KEY"));
        _server.Cluster.Put(FakeObjects.Secret("istio-system", "token", "Opaque", new Dictionary<string, byte[]> { ["t"] = [1] }));
        _server.Cluster.Put(FakeObjects.TlsSecret("demo", "other", "CERT", "KEY"));

        var tls = await _client.CoreV1.ListNamespacedSecretAsync("istio-system", fieldSelector: "type=kubernetes.io/tls");
        Assert.Equal(["cert"], tls.Items.Select(s => s.Metadata.Name));
        Assert.Equal("CERT", System.Text.Encoding.UTF8.GetString(tls.Items[0].Data["tls.crt"]));
        var notTls = await _client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "type!=kubernetes.io/tls");
        Assert.Equal(["token"], notTls.Items.Select(s => s.Metadata.Name));
        var named = await _client.CoreV1.ListSecretForAllNamespacesAsync(fieldSelector: "metadata.namespace=demo,metadata.name==other");
        Assert.Equal(["other"], named.Items.Select(s => s.Metadata.Name));

        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListNamespacedSecretAsync("demo", fieldSelector: "data.tls=x"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
        Assert.Contains("field label not supported: data.tls", bad.Response.Content, StringComparison.Ordinal);
    }
}
