using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Demo.FakeApi;
using PluginMesh.Plugins.Catalog.Kubernetes.Tests.Support;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests;

public sealed class KubernetesCatalogSourceTests
{
    private static void Seed(FakeCluster cluster)
    {
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "api", "10.96.0.11"));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-abc", "web", [("10.244.1.5", "node-b", true), ("10.244.1.6", "node-b", true)]));
        cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "api-xyz", "api", [("10.244.2.7", "node-c", false)]));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-b", "10.244.1.0/24", "192.168.1.20"));
        cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-c", "10.244.2.0/24", "192.168.1.30"));
    }

    private static string[] Addresses(RecordingCatalogSink sink, string service) =>
        sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, service)?.Endpoints.Select(e => e.Address.ToString()).Order(StringComparer.Ordinal).ToArray() ?? [];

    private static int ListRequests(FakeApiServer server, string path) =>
        server.Requests.Count(r => r.StartsWith("GET /" + path, StringComparison.Ordinal) && !r.Contains("watch=1", StringComparison.Ordinal));

    private static int ChangesFor(RecordingCatalogSink sink, int fromCall, CatalogObjectKind kind, string key) =>
        sink.Calls.Skip(fromCall).Where(c => c.Method == "apply").SelectMany(c => c.Changes).Count(c => c.Kind == kind && c.Key == key);

    [Fact]
    public async Task Start_InitialList_ReplacesWithServicesEndpointsAndNodes()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);

        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");
        var replace = Assert.Single(sink.Calls, c => c.Method == "replace");
        Assert.Equal("kubernetes", replace.Source);
        var web = sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web")!;
        Assert.Equal(IPAddress.Parse("10.96.0.10"), Assert.Single(web.ClusterIps));
        Assert.Equal(new ServicePort("http", 80, TransportProtocol.Tcp, 8080), Assert.Single(web.Ports));
        Assert.Equal(["10.244.1.5", "10.244.1.6"], Addresses(sink, "demo/web"));
        var api = sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/api")!;
        Assert.False(Assert.Single(api.Endpoints).Ready);
        Assert.Equal("node-c", api.Endpoints[0].NodeName);
        Assert.Equal(new EndpointPort("http", 8080, TransportProtocol.Tcp), Assert.Single(api.Endpoints[0].Ports));
        var node = sink.Get<MeshNode>(CatalogObjectKind.Node, "node-b")!;
        Assert.Equal(["10.244.1.0/24"], node.PodCidrs);
        Assert.Equal([IPAddress.Parse("192.168.1.20")], node.Addresses);

        var status = source.Status;
        Assert.Equal(h.Server.Url.ToString(), status.Api);
        Assert.True(status.Connected);
        Assert.False(status.FromCache);
        Assert.Equal("endpointslices", status.EndpointsResource);
        Assert.Equal((2, 3, 2), (status.Services, status.Endpoints, status.Nodes));
        Assert.Equal(h.Cluster.ResourceVersion.ToString(CultureInfo.InvariantCulture), status.ResourceVersions["services"]);
        Assert.Equal("startup", h.Policy.Inputs[0].Trigger);
        Assert.Contains(h.Server.Requests, r => r.Contains("allowWatchBookmarks=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_AddModifyDelete_ReachTheSinkAndTheCache()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "shop", "10.96.0.12"));
        h.Cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "shop-1", "shop", [("10.244.3.1", "node-b", true)]));
        h.Cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-abc", "web", [("10.244.1.5", "node-b", true), ("10.244.1.9", "node-c", true)]));
        h.Cluster.Delete(FakeCluster.Services, "demo", "api");
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-d", "10.244.4.0/24", "192.168.1.40"));

        await Eventually.TrueAsync(() => Addresses(sink, "demo/shop").SequenceEqual(["10.244.3.1"]), "added service with endpoints");
        await Eventually.TrueAsync(() => Addresses(sink, "demo/web").SequenceEqual(["10.244.1.5", "10.244.1.9"]), "modified slice");
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/api") is null, "deleted service");
        Assert.Null(sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/api"));
        await Eventually.TrueAsync(() => sink.Get<MeshNode>(CatalogObjectKind.Node, "node-d") is not null, "added node");

        // Every change also went to the cache, so an offline restart would serve it. The source writes
        // the cache right after the sink, and the three watches deliver in any order, so the cache may
        // be a moment behind what the sink shows.
        await Eventually.TrueAsync(() => h.Cached<MeshService>(CatalogObjectKind.Service, "demo/shop") is not null, "added service in the cache");
        await Eventually.TrueAsync(() => h.Cached<MeshService>(CatalogObjectKind.Service, "demo/api") is null, "deleted service gone from the cache");
        await Eventually.TrueAsync(() => h.Cached<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")?.Endpoints.Select(e => e.Address.ToString())
            .SequenceEqual(["10.244.1.5", "10.244.1.9"]) == true, "modified slice in the cache");
        Assert.Single(sink.Calls, c => c.Method == "replace");
    }

    [Fact]
    public async Task Bookmark_AdvancesResourceVersion_UsedWhenWatchResumes()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");
        var listed = source.Status.ResourceVersions["services"];

        // A node change moves the cluster resourceVersion without any service event; only a
        // bookmark tells the services watch it may resume from there.
        h.Cluster.Apply(FakeCluster.Nodes, FakeObjects.Node("node-d", "10.244.4.0/24", "192.168.1.40"));
        var expected = h.Cluster.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        h.Cluster.RequestBookmark();

        await Eventually.TrueAsync(() => source.Status.ResourceVersions["services"] == expected, "bookmark applied");
        Assert.NotEqual(listed, expected);

        h.Server.CutWatches();
        await Eventually.TrueAsync(
            () => h.Server.Requests.Any(r => r.StartsWith("GET /api/v1/services?watch=1", StringComparison.Ordinal) && r.Contains("resourceVersion=" + expected + "&", StringComparison.Ordinal)),
            "services watch resumed from the bookmark's resourceVersion");
        Assert.Equal(1, ListRequests(h.Server, FakeCluster.Services));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WatchExpired410_Relists_WithoutLosingOrDuplicatingChanges(bool asErrorEvent)
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.ExpireWithErrorEvent = asErrorEvent;
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        // One change delivered normally...
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "shop", "10.96.0.12"));
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/shop") is not null, "first change");
        var callsBefore = sink.Calls.Count;

        // ...then changes the watches never deliver, and history compacted past them.
        h.Server.HoldWatches = true;
        h.Cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "web-abc", "web", [("10.244.1.5", "node-b", true), ("10.244.1.8", "node-b", true)]));
        h.Cluster.Delete(FakeCluster.Services, "demo", "api");
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "cart", "10.96.0.13"));
        h.Cluster.Compact();
        if (!asErrorEvent) h.Server.CutWatches();
        h.Server.HoldWatches = false;

        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/cart") is not null, "change made before the 410 picked up by the re-list");
        await Eventually.TrueAsync(() => Addresses(sink, "demo/web").SequenceEqual(["10.244.1.5", "10.244.1.8"]), "slice change picked up");
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/api") is null, "deletion picked up");

        Assert.Contains(h.Policy.Inputs, i => i.Trigger == "watch-expired");
        Assert.Equal(1, ChangesFor(sink, callsBefore, CatalogObjectKind.Service, "demo/cart"));
        Assert.Equal(1, ChangesFor(sink, callsBefore, CatalogObjectKind.Service, "demo/api"));
        Assert.Equal(1, ChangesFor(sink, callsBefore, CatalogObjectKind.Endpoints, "demo/web"));
        Assert.Equal(0, ChangesFor(sink, callsBefore, CatalogObjectKind.Service, "demo/shop"));
        Assert.Single(sink.Calls, c => c.Method == "replace");
        await Eventually.TrueAsync(() => source.Status.Relists >= 2, "re-list counted");
    }

    [Fact]
    public async Task ApiDownAtStart_ServesCache_ThenPicksUpChangesWhenApiReturns()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var port = h.Server.Port;

        // A first run fills the cache.
        var firstSink = new RecordingCatalogSink();
        var first = await h.StartSourceAsync(firstSink);
        await Eventually.TrueAsync(() => first.Synced, "first run synced");
        await KubeHarness.StopSourceAsync(first);
        await h.Server.StopAsync();

        // The cluster changes while this agent is cut off.
        h.Cluster.Delete(FakeCluster.Services, "demo", "api");
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "cart", "10.96.0.13"));

        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        // Served from the cache before the first list, then that list fails.
        await Eventually.TrueAsync(() => source.Synced && source.Status.LastError is not null, "served from cache, list failed");
        var status = source.Status;
        Assert.True(status.FromCache);
        Assert.False(status.Connected);
        Assert.NotNull(status.LastError);
        Assert.Equal(["10.244.1.5", "10.244.1.6"], Addresses(sink, "demo/web"));
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/api"));
        Assert.Equal("192.168.1.20", sink.Get<MeshNode>(CatalogObjectKind.Node, "node-b")!.Addresses[0].ToString());

        h.Server.Start(port);
        await Eventually.TrueAsync(() => !source.Status.FromCache && source.Status.Connected, "synced from the API");
        Assert.Null(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/api"));
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/cart"));
        Assert.Equal(2, sink.Calls.Count(c => c.Method == "replace"));
        Assert.Contains(h.Policy.Inputs, i => i.ConsecutiveFailures > 0 && i.CachedObjects > 0);
    }

    [Fact]
    public async Task ApiLostAfterSync_ReconnectsWithReconnectedTriggerAndCatchesUp()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var port = h.Server.Port;
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        await h.Server.StopAsync();

        // Wait until a reconnect was refused, not just the stream cut (a watch reopened while the
        // server is already back would simply resume, which is right but not this scenario).
        await Eventually.TrueAsync(() => h.Policy.Inputs.Any(i => i.Trigger == "reconnected" && i.ConsecutiveFailures > 0), "loss noticed");
        Assert.False(source.Status.Connected);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "cart", "10.96.0.13"));
        h.Server.Start(port);

        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/cart") is not null, "change made while offline");
        Assert.Contains(h.Policy.Inputs, i => i.Trigger == "reconnected" && i.SecondsOffline > 0);
        await Eventually.TrueAsync(() => source.Status.Connected, "connected again");
    }

    [Fact]
    public async Task EndpointSlicesNotServed_FallsBackToEndpoints()
    {
        await using var h = new KubeHarness();
        h.Cluster.SetServed(FakeCluster.EndpointSlices, false);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        h.Cluster.Apply(FakeCluster.Endpoints, FakeObjects.Endpoints("demo", "web", [("10.244.1.5", "node-b")]));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        Assert.Equal("endpoints", source.Status.EndpointsResource);
        Assert.Equal(["10.244.1.5"], Addresses(sink, "demo/web"));
        Assert.Equal("node-b", sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/web")!.Endpoints[0].NodeName);

        h.Cluster.Apply(FakeCluster.Endpoints, FakeObjects.Endpoints("demo", "web", [("10.244.1.5", "node-b"), ("10.244.1.6", "node-c")]));
        await Eventually.TrueAsync(() => Addresses(sink, "demo/web").SequenceEqual(["10.244.1.5", "10.244.1.6"]), "Endpoints watch applied");
        Assert.Contains(h.Server.Requests, r => r.StartsWith("GET /api/v1/endpoints?watch=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProxyNameLabel_OtherProxySkipped_OursAndUnlabelledServed()
    {
        const string label = KubernetesCatalogOptions.DefaultProxyNameLabel;
        await using var h = new KubeHarness();
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "plain", "10.96.0.1"));
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "ours", "10.96.0.2", labels: new Dictionary<string, string> { [label] = "pluginmesh" }));
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "theirs", "10.96.0.3", labels: new Dictionary<string, string> { [label] = "other-proxy" }));
        h.Cluster.Apply(FakeCluster.EndpointSlices, FakeObjects.EndpointSlice("demo", "theirs-1", "theirs", [("10.244.1.5", "node-b", true)]));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/plain"));
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/ours"));
        Assert.Null(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/theirs"));
        Assert.Null(sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/theirs"));

        // Relabelling a served service for another proxy withdraws it (and its endpoints).
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "plain", "10.96.0.1", labels: new Dictionary<string, string> { [label] = "other-proxy" }));
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/plain") is null, "relabelled service withdrawn");
        Assert.Null(sink.Get<ServiceEndpoints>(CatalogObjectKind.Endpoints, "demo/plain"));
    }

    [Fact]
    public async Task ExternalNameForeignAndMalformedObjects_SkippedWithoutStopping()
    {
        await using var h = new KubeHarness();
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.ExternalNameService("demo", "ext", "db.example.com"));
        var badIp = FakeObjects.Service("demo", "bad-ip", "10.96.0.999");
        h.Cluster.Apply(FakeCluster.Services, badIp);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "web", "10.96.0.10"));
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/web"));
        Assert.Null(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/ext"));
        Assert.Null(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/bad-ip"));

        // Through the watch: an Istio object where a Service was expected, a Service whose spec is
        // not an object, an object with unknown fields, then a good one proving the watch lives on.
        h.Cluster.InjectEvent(FakeCluster.Services, "ADDED", System.Text.Json.Nodes.JsonNode.Parse("""
            {"apiVersion":"networking.istio.io/v1beta1","kind":"DestinationRule","metadata":{"name":"reviews","namespace":"demo"},
             "spec":{"host":"reviews","trafficPolicy":{"loadBalancer":{"simple":"LEAST_REQUEST"}}}}
            """)!.AsObject());
        h.Cluster.InjectEvent(FakeCluster.Services, "ADDED", System.Text.Json.Nodes.JsonNode.Parse("""
            {"kind":"Service","metadata":{"name":"garbage","namespace":"demo"},"spec":"not an object"}
            """)!.AsObject());
        var extra = FakeObjects.Service("demo", "future", "10.96.0.20");
        extra["spec"]!["someFieldFromTheFuture"] = new System.Text.Json.Nodes.JsonObject { ["x"] = 1 };
        h.Cluster.Apply(FakeCluster.Services, extra);
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "after", "10.96.0.21"));

        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/after") is not null, "watch survived the bad objects");
        Assert.NotNull(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/future"));
        Assert.Null(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/reviews"));
        Assert.Null(sink.Get<MeshService>(CatalogObjectKind.Service, "demo/garbage"));
        Assert.True(source.Status.Skipped >= 4);
        Assert.Equal(1, ListRequests(h.Server, FakeCluster.Services));
    }

    [Fact]
    public async Task WatchCutMidStream_ResumesFromLastResourceVersion()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink);
        await Eventually.TrueAsync(() => source.Synced && h.Server.OpenWatches == 3, "synced and watching");

        var (_, rvA) = h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "shop", "10.96.0.12"));
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/shop") is not null, "change A");
        var callsAfterA = sink.Calls.Count;

        h.Server.CutWatches();
        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "cart", "10.96.0.13"));

        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/cart") is not null, "change B after the cut");
        var rvText = rvA.ToString(CultureInfo.InvariantCulture);
        Assert.Contains(h.Server.Requests, r => r.StartsWith("GET /api/v1/services?watch=1", StringComparison.Ordinal) && r.Contains("resourceVersion=" + rvText + "&", StringComparison.Ordinal));
        Assert.Equal(1, ListRequests(h.Server, FakeCluster.Services));
        Assert.Equal(0, ChangesFor(sink, callsAfterA, CatalogObjectKind.Service, "demo/shop"));
        Assert.Equal(1, ChangesFor(sink, callsAfterA, CatalogObjectKind.Service, "demo/cart"));
    }

    [Fact]
    public async Task WatchServerTimeout_RenewedFromSameResourceVersionWithoutRelist()
    {
        await using var h = new KubeHarness();
        Seed(h.Cluster);
        h.Server.Start(0);
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, h.Options() with { WatchTimeout = TimeSpan.FromSeconds(1) });
        await Eventually.TrueAsync(() => source.Synced, "synced");
        var rv = source.Status.ResourceVersions["services"];

        static bool IsServicesWatch(string r) => r.StartsWith("GET /api/v1/services?watch=1", StringComparison.Ordinal);
        await Eventually.TrueAsync(() => h.Server.Requests.Count(IsServicesWatch) >= 3, "watch renewed after the server's timeout");
        Assert.All(h.Server.Requests.Where(IsServicesWatch), r => Assert.Contains("resourceVersion=" + rv + "&timeoutSeconds=1", r, StringComparison.Ordinal));
        Assert.Equal(1, ListRequests(h.Server, FakeCluster.Services));

        h.Cluster.Apply(FakeCluster.Services, FakeObjects.Service("demo", "shop", "10.96.0.12"));
        await Eventually.TrueAsync(() => sink.Get<MeshService>(CatalogObjectKind.Service, "demo/shop") is not null, "change after renewals");
    }

    [Fact]
    public async Task NoApiNoCache_StaysUnsyncedAndKeepsRetrying()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await using var h = new KubeHarness();
        var options = h.Options() with { ApiServer = new Uri($"http://127.0.0.1:{port}/") };
        var sink = new RecordingCatalogSink();
        var source = await h.StartSourceAsync(sink, options);

        await Eventually.TrueAsync(() => h.Policy.Inputs.Count(i => i.ConsecutiveFailures > 0) >= 2, "retried");
        Assert.False(source.Synced);
        Assert.Empty(sink.Calls);
        Assert.NotNull(source.Status.LastError);
    }
}
