using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

/// <summary>
/// The kinds other plugins ask for (<see cref="CatalogResourceType"/>: Istio Gateways and VirtualServices,
/// TLS Secrets) end to end: fake API server over HTTP → list/watch → sink and the real LiteDB cache.
/// </summary>
public sealed class ResourceSourceTests
{
    private const string Istio = "networking.istio.io";
    private const string GatewaysV1 = "apis/networking.istio.io/v1/gateways";
    private const string GatewaysV1Beta1 = "apis/networking.istio.io/v1beta1/gateways";

    private static readonly CatalogResourceType Gateways = new(Istio, "Gateway", "gateways", ["v1", "v1beta1", "v1alpha3"]);
    private static readonly CatalogResourceType VirtualServices = new(Istio, "VirtualService", "virtualservices", ["v1", "v1beta1", "v1alpha3"]);
    private static readonly CatalogResourceType TlsSecrets = new("", "Secret", "secrets", ["v1"], "type=kubernetes.io/tls", "istio-system");

    private static void Seed(FakeCluster cluster)
    {
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-abc", "web", [("10.244.1.5", "node-b", true)]));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.1.0/24", "192.168.1.20"));
    }

    private static void InstallIstioNetworking(FakeCluster cluster, params string[] versions)
    {
        cluster.InstallCustomResource(Istio, "Gateway", "gateways", versions);
        cluster.InstallCustomResource(Istio, "VirtualService", "virtualservices", versions);
    }

    private static JsonObject Gateway(string name, string host, int port = 80, string apiVersion = "networking.istio.io/v1", string ns = "demo") =>
        FakeObjects.CustomResource(apiVersion, "Gateway", ns, name, new JsonObject
        {
            ["selector"] = new JsonObject { ["istio"] = "ingressgateway" },
            ["servers"] = new JsonArray(new JsonObject
            {
                ["port"] = new JsonObject { ["number"] = port, ["name"] = "http", ["protocol"] = "HTTP" },
                ["hosts"] = new JsonArray(host),
            }),
        });

    private static JsonObject VirtualService(string name, string host) =>
        FakeObjects.CustomResource("networking.istio.io/v1", "VirtualService", "demo", name, new JsonObject
        {
            ["hosts"] = new JsonArray(host),
            ["gateways"] = new JsonArray("gw"),
            ["http"] = new JsonArray(new JsonObject { ["route"] = new JsonArray(new JsonObject { ["destination"] = new JsonObject { ["host"] = "web" } }) }),
        });

    private static MeshResource? Resource(RecordingCatalogSink sink, string key) => sink.Get<MeshResource>(CatalogObjectKind.Resource, key);

    // What a plugin reading the resource sees: the JSON text parsed, at a path.
    private static string? Field(MeshResource? resource, params string[] path)
    {
        JsonNode? node = resource is null ? null : JsonNode.Parse(resource.Json);
        foreach (var part in path) node = node is JsonArray array ? array[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)] : node?[part];
        return node?.ToString();
    }

    private static Abstractions.Catalog.CatalogResourceType Copy(CatalogResourceType type) => type with { Versions = type.Versions.ToList() };

    private static Kubernetes.Resources.CatalogResourceStatus Kind(KubernetesCatalogSource source, string kind) =>
        source.Status.Resources.Single(r => r.Kind == kind);

    private static int Lists(FakeApiServer server, string path) =>
        server.Requests.Count(r => (r.StartsWith("GET /" + path + " ", StringComparison.Ordinal) || r.StartsWith("GET /" + path + "?", StringComparison.Ordinal))
                                   && !r.Contains("watch=1", StringComparison.Ordinal));

    // The core kinds and one Gateway (Gateways served at v1 only), listed and watched.
    private static async Task<(RecordingCatalogSink Sink, KubernetesCatalogSource Source)> WatchingOneGatewayAsync(KubeHarness h)
    {
        Seed(h.Cluster);
        InstallIstioNetworking(h.Cluster, "v1");
        h.Cluster.Put(Gateway("gw", "shop.example.com"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, resourceTypes: [Gateways]);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching");
        return (sink, source);
    }

    [Fact]
    public async Task GatewaysAndVirtualServices_ListedAndWatched_AddModifyDeleteReachSinkCacheStatusAndMetric()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        InstallIstioNetworking(h.Cluster, "v1", "v1beta1", "v1alpha3");
        h.Cluster.Put(Gateway("gw", "shop.example.com"));
        var gauge = new ConcurrentDictionary<string, int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == h.Meter && i.Name == "pluginmesh.catalog.resources") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
            gauge[string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))] = value);
        listener.Start();
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();

        // Registered twice (two plugins, equal but separate instances): watched once.
        var source = await h.StartSourceAsync(sink, resourceTypes: [Gateways, VirtualServices, Copy(Gateways)]);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 5, "synced and watching 3 core kinds and 2 asked for");

        var gw = Resource(sink, "Gateway.networking.istio.io/demo/gw");
        Assert.NotNull(gw);
        Assert.Equal(new ResourceKey(Istio, "Gateway", "demo", "gw"), gw.Key);
        Assert.Equal("networking.istio.io/v1", gw.ApiVersion);
        Assert.Equal(("networking.istio.io/v1", "Gateway", "shop.example.com"), (Field(gw, "apiVersion"), Field(gw, "kind"), Field(gw, "spec", "servers", "0", "hosts", "0")));
        Assert.Equal(2, source.Status.Resources.Count);
        Assert.Equal(("watching", "networking.istio.io/v1", 1), (Kind(source, "Gateway.networking.istio.io").State, Kind(source, "Gateway.networking.istio.io").ApiVersion, Kind(source, "Gateway.networking.istio.io").Count));
        Assert.Equal(("watching", 0), (Kind(source, "VirtualService.networking.istio.io").State, Kind(source, "VirtualService.networking.istio.io").Count));
        Assert.Equal(1, Lists(h.Server, GatewaysV1));
        Assert.Equal(0, Lists(h.Server, GatewaysV1Beta1));

        // Added, modified, deleted through the watches: in the sink and in the cache.
        h.Cluster.Put(VirtualService("shop", "shop.example.com"));
        await Eventually.TrueAsync(() => Field(Resource(sink, "VirtualService.networking.istio.io/demo/shop"), "spec", "gateways", "0") == "gw", "virtual service added");
        h.Cluster.Put(Gateway("gw", "shop.example.com", port: 8080));
        await Eventually.TrueAsync(() => Field(Resource(sink, "Gateway.networking.istio.io/demo/gw"), "spec", "servers", "0", "port", "number") == "8080", "gateway modified");
        await Eventually.TrueAsync(() => Field(h.Cached<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/gw"), "spec", "servers", "0", "port", "number") == "8080",
            "gateway modified in the cache");
        h.Cluster.DeleteObject("networking.istio.io/v1", "Gateway", "demo", "gw");
        await Eventually.TrueAsync(() => Resource(sink, "Gateway.networking.istio.io/demo/gw") is null, "gateway deleted");
        await Eventually.TrueAsync(() => h.Cached<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/gw") is null, "gateway deleted in the cache");
        await Eventually.TrueAsync(() => Kind(source, "Gateway.networking.istio.io").Count == 0 && Kind(source, "VirtualService.networking.istio.io").Count == 1, "status counts");

        // Bookmarks move the kind's resourceVersion.
        var before = long.Parse(source.Status.ResourceVersions["Gateway.networking.istio.io"], System.Globalization.CultureInfo.InvariantCulture);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "other", "10.96.0.11"));
        h.Cluster.RequestBookmark();
        await Eventually.TrueAsync(() => long.Parse(source.Status.ResourceVersions["Gateway.networking.istio.io"], System.Globalization.CultureInfo.InvariantCulture) > before, "bookmark followed");

        listener.RecordObservableInstruments();
        Assert.Equal(0, gauge["kind=Gateway.networking.istio.io,state=watching"]);
        Assert.Equal(1, gauge["kind=VirtualService.networking.istio.io,state=watching"]);
        Assert.Single(sink.Calls, c => c.Method == "replace");
        Assert.DoesNotContain(h.Log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Null(source.Status.LastError);
    }

    [Fact]
    public async Task V1NotServed_V1Beta1Read_ObjectsCarryTheVersionRead()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        InstallIstioNetworking(h.Cluster, "v1beta1", "v1alpha3");
        h.Cluster.Put(Gateway("gw", "shop.example.com", apiVersion: "networking.istio.io/v1beta1"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, resourceTypes: [Gateways]);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching");

        var gw = Resource(sink, "Gateway.networking.istio.io/demo/gw");
        Assert.Equal(("networking.istio.io/v1beta1", "networking.istio.io/v1beta1"), (gw?.ApiVersion, Field(gw, "apiVersion")));
        Assert.Equal("networking.istio.io/v1beta1", Kind(source, "Gateway.networking.istio.io").ApiVersion);
        Assert.Equal((1, 1), (Lists(h.Server, GatewaysV1), Lists(h.Server, GatewaysV1Beta1)));
        Assert.Contains(h.Server.Requests, r => r.StartsWith("GET /" + GatewaysV1Beta1 + "?watch=1", StringComparison.Ordinal));

        // A change made at another version is watched at the version read.
        h.Cluster.Put(Gateway("gw2", "cart.example.com", apiVersion: "networking.istio.io/v1alpha3"));
        await Eventually.TrueAsync(() => Resource(sink, "Gateway.networking.istio.io/demo/gw2")?.ApiVersion == "networking.istio.io/v1beta1", "watched at v1beta1");
    }

    [Fact]
    public async Task CrdNotInstalled_CoreSyncsAndStatusSaysNotServed_InstalledLater_PickedUpAtTheNextFullList()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        h.Policy.PeriodicPollMs = 50;
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, resourceTypes: [Gateways]);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "core synced and watched without the CRD");

        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
        var status = Kind(source, "Gateway.networking.istio.io");
        Assert.Equal(("not-served", null, 0), (status.State, status.ApiVersion, status.Count));
        Assert.Contains("HTTP 404 for networking.istio.io/v1 and networking.istio.io/v1beta1 and networking.istio.io/v1alpha3 gateways", status.Reason, StringComparison.Ordinal);
        Assert.True(source.Connected);

        // Asked again on every full list, logged once, at information level.
        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => source.Status.Relists >= 2, "second full list");
        Assert.True(Lists(h.Server, GatewaysV1) >= 2);
        Assert.Single(h.Log.Containing("Gateway.networking.istio.io is not served"), e => e.Level == LogLevel.Information);
        Assert.DoesNotContain(h.Log.Entries, e => e.Level >= LogLevel.Warning);

        InstallIstioNetworking(h.Cluster, "v1", "v1beta1");
        h.Cluster.Put(Gateway("gw", "shop.example.com"));
        h.Policy.RequestPeriodicRelist();
        await Eventually.TrueAsync(() => Resource(sink, "Gateway.networking.istio.io/demo/gw") is not null, "picked up at the next full list");
        await Eventually.TrueAsync(() => Kind(source, "Gateway.networking.istio.io") is { State: "watching", Count: 1 }, "status says watching");
        h.Cluster.Put(Gateway("gw2", "cart.example.com"));
        await Eventually.TrueAsync(() => Resource(sink, "Gateway.networking.istio.io/demo/gw2") is not null, "and it is watched");
        Assert.Single(h.Log.Containing("watching Gateway.networking.istio.io (networking.istio.io/v1)"));
    }

    [Fact]
    public async Task Forbidden_StatusSaysForbidden_WarningNamesTheRbacRule_CoreUnaffected()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        InstallIstioNetworking(h.Cluster, "v1", "v1beta1");
        h.Cluster.Put(Gateway("gw", "shop.example.com"));
        h.Cluster.SetForbidden(GatewaysV1, true);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, resourceTypes: [Gateways, VirtualServices]);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "core and virtual services watched");

        Assert.Equal("forbidden", Kind(source, "Gateway.networking.istio.io").State);
        Assert.Equal("watching", Kind(source, "VirtualService.networking.istio.io").State);
        Assert.Null(Resource(sink, "Gateway.networking.istio.io/demo/gw"));
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
        var warning = Assert.Single(h.Log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("grant get, list, watch on gateways in API group \"networking.istio.io\"", warning.Message, StringComparison.Ordinal);
        Assert.Equal(0, Lists(h.Server, GatewaysV1Beta1));
    }

    [Fact]
    public async Task FieldSelectorAndNamespace_OnlyTlsSecretsOfThatNamespace_ListedAndWatched()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Cluster.Put(FakeObjects.TlsSecret("istio-system", "shop-cert", "CERT", "KEY"));
        h.Cluster.Put(FakeObjects.Secret("istio-system", "token", "Opaque", new Dictionary<string, byte[]> { ["token"] = [1, 2, 3] }));
        h.Cluster.Put(FakeObjects.TlsSecret("demo", "other-cert", "CERT", "KEY"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, resourceTypes: [TlsSecrets]);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 4, "synced and watching");

        var cert = Resource(sink, "Secret/istio-system/shop-cert");
        Assert.Equal(("v1", "kubernetes.io/tls", "Q0VSVA=="), (cert?.ApiVersion, Field(cert, "type"), Field(cert, "data", "tls.crt")));
        Assert.Equal(1, sink.Count(CatalogObjectKind.Resource));
        var status = Kind(source, "Secret");
        Assert.Equal(("istio-system", "type=kubernetes.io/tls", "watching", 1), (status.Namespace, status.FieldSelector, status.State, status.Count));
        Assert.Contains(h.Server.Requests, r => r.StartsWith("GET /api/v1/namespaces/istio-system/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls&watch=1", StringComparison.Ordinal));

        // Through the watch: a new TLS Secret there arrives; an Opaque one there and a TLS one elsewhere do not.
        h.Cluster.Put(FakeObjects.Secret("istio-system", "token2", "Opaque", new Dictionary<string, byte[]> { ["token"] = [4] }));
        h.Cluster.Put(FakeObjects.TlsSecret("demo", "other-cert-2", "CERT", "KEY"));
        h.Cluster.Put(FakeObjects.TlsSecret("istio-system", "cart-cert", "CERT2", "KEY2"));
        await Eventually.TrueAsync(() => Resource(sink, "Secret/istio-system/cart-cert") is not null, "tls secret watched");
        Assert.Equal(2, sink.Count(CatalogObjectKind.Resource));
        h.Cluster.DeleteObject("v1", "Secret", "istio-system", "shop-cert");
        await Eventually.TrueAsync(() => Resource(sink, "Secret/istio-system/shop-cert") is null, "tls secret deleted");
    }

    [Fact]
    public async Task OtherFailure_FailedKeepsTheObjectsKnown_WatchExpired_Relists()
    {
        await using var h = new KubeHarness();
        var (sink, source) = await WatchingOneGatewayAsync(h);

        // The watch of gateways expires (410: a change it missed was compacted away): everything is listed
        // again, and the collection now fails with 500.
        h.Server.HoldWatches = true;
        h.Cluster.Put(Gateway("gw2", "cart.example.com"));
        h.Cluster.Compact(GatewaysV1);
        h.Cluster.FailRequests(GatewaysV1, 500);
        h.Server.HoldWatches = false;
        // The state changes first and the change is logged right after it: wait for both.
        await Eventually.TrueAsync(() => source.Status.Relists >= 2 && Kind(source, "Gateway.networking.istio.io").State == "failed"
            && h.Log.Containing("listing Gateway.networking.istio.io failed").Any(), "re-listed after 410, gateways failing, logged");

        Assert.Contains("HTTP 500", Kind(source, "Gateway.networking.istio.io").Reason, StringComparison.Ordinal);
        Assert.NotNull(Resource(sink, "Gateway.networking.istio.io/demo/gw"));
        Assert.Equal(1, Kind(source, "Gateway.networking.istio.io").Count);
        Assert.Null(Resource(sink, "Gateway.networking.istio.io/demo/gw2"));
        Assert.Single(h.Log.Containing("listing Gateway.networking.istio.io failed"), e => e.Level == LogLevel.Warning);
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
    }

    [Fact]
    public async Task CrdRemovedWhileWatched_ObjectsLeave_StatusNotServed()
    {
        await using var h = new KubeHarness();
        var (sink, source) = await WatchingOneGatewayAsync(h);

        h.Cluster.UninstallCustomResource(Istio, "gateways");
        h.Server.CutWatches();

        await Eventually.TrueAsync(() => Resource(sink, "Gateway.networking.istio.io/demo/gw") is null, "gateway gone with its CRD");
        await Eventually.TrueAsync(() => Kind(source, "Gateway.networking.istio.io").State == "not-served", "status not-served");
        await Eventually.TrueAsync(() => source.Connected, "core watches reopened");

        // The core watches live on (no re-list), and the kind is not asked for again before the next full list.
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "other", "10.96.0.11"));
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/other") is not null, "core watch delivers");
        Assert.Equal(1, source.Status.Relists);
        Assert.Equal(2, h.Server.Requests.Count(r => r.StartsWith("GET /" + GatewaysV1 + "?watch=1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RestartWithTheApiGone_ResourcesServedFromTheCache()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        InstallIstioNetworking(h.Cluster, "v1");
        h.Cluster.Put(Gateway("gw", "shop.example.com"));
        h.Cluster.Put(VirtualService("shop", "shop.example.com"));
        h.Server.Start(0);
        var first = await h.StartSourceAsync(new RecordingCatalogSink(), resourceTypes: [Gateways, VirtualServices]);
        await Eventually.TrueAsync(() => first.Synced && h.Cached<MeshResource>(CatalogObjectKind.Resource, "VirtualService.networking.istio.io/demo/shop") is not null, "listed and cached");
        var listed = h.Cached<MeshResource>(CatalogObjectKind.Resource, "Gateway.networking.istio.io/demo/gw");
        await KubeHarness.StopSourceAsync(first);
        await h.Server.StopAsync();

        var sink = new RecordingCatalogSink();
        var second = await h.StartSourceAsync(sink, resourceTypes: [Gateways, VirtualServices]);
        await Eventually.TrueAsync(() => second.Synced, "served from the cache");

        Assert.True(second.Status.FromCache);
        Assert.Equal(listed, Resource(sink, "Gateway.networking.istio.io/demo/gw"));
        Assert.NotNull(Resource(sink, "VirtualService.networking.istio.io/demo/shop"));
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
    }
}
