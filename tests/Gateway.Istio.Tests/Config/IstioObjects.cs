using System.Text.Json.Nodes;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Gateway.Istio.Model;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>Istio objects and Secrets as the catalog carries them (whole objects as JSON text), and the catalog around them.</summary>
internal static class IstioObjects
{
    public static readonly IReadOnlyDictionary<string, string> IngressLabels = new Dictionary<string, string> { ["istio"] = "ingressgateway", ["app"] = "edge" };

    public static MeshResource GatewayObject(string ns, string name, string spec, string version = "v1") =>
        Istio("Gateway", ns, name, spec, version, created: null);

    public static MeshResource VirtualServiceObject(string ns, string name, string spec, string? created = null, string version = "v1") =>
        Istio("VirtualService", ns, name, spec, version, created);

    public static MeshResource TlsSecret(string ns, string name, string? certPem, string? keyPem, string? caPem = null)
    {
        var data = new JsonObject();
        if (certPem is not null) data["tls.crt"] = Base64(certPem);
        if (keyPem is not null) data["tls.key"] = Base64(keyPem);
        if (caPem is not null) data["ca.crt"] = Base64(caPem);
        return Secret(ns, name, data);
    }

    public static MeshResource Secret(string ns, string name, JsonObject data)
    {
        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["type"] = "kubernetes.io/tls",
            ["data"] = data,
        };
        return new MeshResource(new ResourceKey("", "Secret", ns, name), "v1", obj.ToJsonString());
    }

    public static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    public static MeshService Service(string ns, string name, params int[] ports) =>
        new(new ServiceKey(ns, name), [IPAddress.Parse("10.96.0.10")], [.. ports.Select(p => new ServicePort($"p{p}", p, TransportProtocol.Tcp, p))]);

    public static CatalogSnapshot Snapshot(IEnumerable<MeshResource> resources, params MeshService[] services) =>
        new(7, services.ToDictionary(s => s.Key), new Dictionary<ServiceKey, ServiceEndpoints>(), new Dictionary<string, MeshNode>())
        {
            Resources = resources.ToDictionary(r => r.Key),
        };

    public static GatewayConfig Build(IEnumerable<MeshResource> resources, params MeshService[] services) =>
        GatewayConfigBuilder.Build(Snapshot(resources, services), IngressLabels, "cluster.local");

    private static MeshResource Istio(string kind, string ns, string name, string spec, string version, string? created)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (created is not null) metadata["creationTimestamp"] = created;
        var obj = new JsonObject
        {
            ["apiVersion"] = $"networking.istio.io/{version}",
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = JsonNode.Parse(spec),
        };
        return new MeshResource(new ResourceKey("networking.istio.io", kind, ns, name), $"networking.istio.io/{version}", obj.ToJsonString());
    }
}
