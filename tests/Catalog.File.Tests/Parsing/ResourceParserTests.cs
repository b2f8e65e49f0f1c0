using System.Text.Json.Nodes;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Plugins.Catalog.File.Parsing;

namespace PluginMesh.Plugins.Catalog.File.Tests.Parsing;

/// <summary>The <c>resources:</c> list of a catalog file: raw Kubernetes objects, YAML to JSON.</summary>
public sealed class ResourceParserTests
{
    private const string Services = """
        services:
          - name: web
            namespace: demo
            clusterIP: 10.96.0.10
            ports: [{name: http, port: 80}]
        """;

    private static JsonNode Json(MeshResource resource) => JsonNode.Parse(resource.Json)!;

    [Fact]
    public void Parse_ReadmeResourcesExample_GatewayVirtualServiceAndSecret()
    {
        var readme = RepoPaths.Of("plugins/Catalog.File/README.md");
        var block = Assert.Single(ReadmeYaml.Blocks(readme), b => b.StartsWith("resources:", StringComparison.Ordinal));

        var result = FileCatalogParser.Parse(block, readme);

        Assert.True(result.Success);
        Assert.Empty(result.Skipped);
        var resources = result.State!.Resources;
        Assert.Equal(["Gateway.networking.istio.io/demo/shop", "VirtualService.networking.istio.io/demo/shop", "Secret/demo/shop-cert"],
            resources.Select(r => r.Key.ToString()));
        Assert.Equal(["networking.istio.io/v1", "networking.istio.io/v1", "v1"], resources.Select(r => r.ApiVersion));
        var gateway = Json(resources[0]);
        Assert.Equal(443, gateway["spec"]!["servers"]![0]!["port"]!["number"]!.GetValue<long>());
        Assert.Equal("shop-cert", gateway["spec"]!["servers"]![0]!["tls"]!["credentialName"]!.GetValue<string>());
        Assert.Equal(("v1", "Secret", "kubernetes.io/tls"), (Json(resources[2])["apiVersion"]!.GetValue<string>(), Json(resources[2])["kind"]!.GetValue<string>(),
            Json(resources[2])["type"]!.GetValue<string>()));
        Assert.Equal(3, result.State.ToChanges().Count(c => c.Kind == CatalogObjectKind.Resource && c.Value is MeshResource));
    }

    [Fact]
    public void Parse_ScalarsTypedAsYaml12_QuotedStayStrings()
    {
        const string yaml = """
            resources:
              - apiVersion: example.com/v1alpha1
                kind: Widget
                metadata: {name: w}
                spec:
                  count: 80
                  quoted: "80"
                  ratio: 0.5
                  on: true
                  off: 'false'
                  none: ~
                  empty:
                  version: 1.10
                  text: |
                    line
                  items: [a, 2, {x: null}]
            """;

        var resource = Assert.Single(FileCatalogParser.Parse(yaml, "c.yaml").State!.Resources);

        Assert.Equal(new ResourceKey("example.com", "Widget", "", "w"), resource.Key);
        Assert.Equal("""{"count":80,"quoted":"80","ratio":0.5,"on":true,"off":"false","none":null,"empty":null,"version":1.10,"text":"line\n","items":["a",2,{"x":null}]}""",
            Json(resource)["spec"]!.ToJsonString());
    }

    [Fact]
    public void Parse_MalformedEntries_SkippedNamingEach_RestOfTheFileLoads()
    {
        const string yaml = Services + """

            resources:
              - apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: shop, namespace: demo}
                spec: {servers: []}
              - just a string
              - apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {namespace: demo}
              - apiVersion: not a version
                kind: Gateway
                metadata: {name: other, namespace: demo}
              - apiVersion: v1
                kind: Secret
                metadata: {name: Bad_Name, namespace: demo}
              - apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: shop, namespace: demo}
              - apiVersion: v1
                kind: ConfigMap
                metadata: {name: cm, namespace: demo}
                data: {[a, b]: c}
            """;

        var result = FileCatalogParser.Parse(yaml, "c.yaml");

        Assert.True(result.Success);
        Assert.Equal("demo/web", Assert.Single(result.State!.Services).Key.ToString());
        Assert.Equal("Gateway.networking.istio.io/demo/shop", Assert.Single(result.State.Resources).Key.ToString());
        Assert.Equal(
        [
            "c.yaml:11:5: resources[1]: expected a Kubernetes object (apiVersion, kind, metadata, …); skipped",
            "c.yaml:12:5: resources[2]: Gateway demo/(no name): metadata.name is missing or not a valid object name; skipped",
            "c.yaml:15:5: resources[3]: Gateway demo/other: apiVersion is missing or not group/version (networking.istio.io/v1, v1); skipped",
            "c.yaml:18:5: resources[4]: Secret demo/Bad_Name: metadata.name is missing or not a valid object name; skipped",
            "c.yaml:21:5: resources[5]: duplicate Gateway.networking.istio.io/demo/shop (first defined on line 7); skipped",
            "c.yaml:24:5: resources[6]: ConfigMap demo/cm: line 27: a mapping key must be a string; skipped",
        ], result.Skipped.Select(p => p.ToString()));
    }

    [Fact]
    public void Parse_ResourcesNotAList_Skipped_ServicesLoad()
    {
        var result = FileCatalogParser.Parse(Services + "\nresources: 5\n", "c.yaml");

        Assert.True(result.Success);
        Assert.Single(result.State!.Services);
        Assert.Empty(result.State.Resources);
        Assert.Contains("resources: expected a list of Kubernetes objects", Assert.Single(result.Skipped).ToString(), StringComparison.Ordinal);
    }
}
